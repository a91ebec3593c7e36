//! The `raftdeck` command line: parses arguments and calls the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use server::serve::{DeckRejected, ServeConfig};

/// Present, check and publish the raftdeck talk.
#[derive(Parser)]
#[command(name = "raftdeck", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the talk over HTTP, with the audience and presenter URLs.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Folder holding slides/, speaker-notes/ and static/.
        #[arg(long, default_value = ".")]
        deck: PathBuf,
        /// The frontend bundle built by `cargo xtask build` [default: $RAFTDECK_DIST or target/dist].
        #[arg(long)]
        dist: Option<PathBuf>,
        /// Presenter token (random when absent).
        #[arg(long)]
        token: Option<String>,
    },
    /// Run a scenario headless and print the result JSON (exit 2 on a bad scenario).
    Sim {
        /// The scenario file (see README.md for the format).
        scenario: PathBuf,
        /// Print every event as a JSON line before the result.
        #[arg(long)]
        trace: bool,
    },
    /// Validate the deck; print `file:line: message` for each problem.
    Check {
        /// Folder holding slides/, speaker-notes/ and static/.
        #[arg(long, default_value = ".")]
        deck: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            if let Some(rejected) = error.downcast_ref::<DeckRejected>() {
                eprintln!("raftdeck: {rejected}");
            } else {
                eprintln!("raftdeck: error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            addr,
            deck,
            dist,
            token,
        } => {
            let config = ServeConfig {
                addr,
                deck_dir: deck,
                dist_dir: dist.unwrap_or_else(server::bundle::default_dist_dir),
                token,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(server::serve::serve(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sim { scenario, trace } => Ok(run_sim(&scenario, trace)),
        Command::Check { deck } => match deck::compiler::compile_deck(&deck) {
            Ok(compiled) => {
                println!(
                    "{}: {} slides, {:.1} of {} planned minutes",
                    deck.display(),
                    compiled.slides.len(),
                    compiled.planned_slide_minutes(),
                    compiled.meta.planned_minutes
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                println!("{errors}");
                Ok(ExitCode::FAILURE)
            }
        },
    }
}

/// `raftdeck sim`: exit 0 with the result, 2 when the scenario is unreadable or invalid
/// (the message names the file and the JSON path), 1 if the run broke a safety invariant.
fn run_sim(path: &std::path::Path, trace: bool) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("raftdeck: {}: cannot read: {error}", path.display());
            return ExitCode::from(2);
        }
    };
    let scenario = match sim::parse_scenario(&text) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("raftdeck: {}: {error}", path.display());
            return ExitCode::from(2);
        }
    };
    let result = if trace {
        let (result, lines) = sim::trace_json_lines(&scenario);
        for line in lines {
            println!("{line}");
        }
        result
    } else {
        sim::run_scenario(&scenario)
    };
    println!("{}", result.to_json());
    if result.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "raftdeck: {}: the run broke {} safety invariant(s)",
            path.display(),
            result.violations.len()
        );
        ExitCode::FAILURE
    }
}
