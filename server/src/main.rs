//! The `raftdeck` command line: parses arguments and calls the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use server::say;
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
        /// Start a real local etcd cluster for each `raft` widget marked `live: true`,
        /// switchable from the presenter view (needs Debian's etcd-server and etcd-client).
        #[arg(long)]
        live_etcd: bool,
    },
    /// Run a scenario headless and print the result JSON (exit 2 on a bad scenario).
    Sim {
        /// The scenario file (see README.md for the format).
        #[arg(required_unless_present = "matrix")]
        scenario: Option<PathBuf>,
        /// Print every event as a JSON line before the result.
        #[arg(long)]
        trace: bool,
        /// Print only the trace hash (16 hex digits), to compare runs across platforms.
        #[arg(long, conflicts_with = "trace")]
        hash: bool,
        /// Instead of a scenario: print the computed tables as Markdown, the placement ×
        /// failure matrix (etcd/Kubernetes, Elasticsearch, Kafka) and etcd's fault tolerance.
        #[arg(long, conflicts_with_all = ["scenario", "trace", "hash"])]
        matrix: bool,
    },
    /// Write the talk as a static site that needs no raftdeck server (or, with
    /// --single-file, as one HTML file that works offline).
    Build {
        /// The output folder (created; cleared if a previous build wrote it).
        #[arg(long, required_unless_present = "single_file")]
        out: Option<PathBuf>,
        /// Instead of a folder: one self-contained HTML file (WASM, CSS, images and deck
        /// inlined) that works from file://.
        #[arg(long, value_name = "FILE", conflicts_with = "out")]
        single_file: Option<PathBuf>,
        /// The public path the site is served under, e.g. /talk/ (page URLs stay relative).
        #[arg(long, default_value = "/")]
        base: String,
        /// Include the speaker notes (for presenting from the static site).
        #[arg(long)]
        with_notes: bool,
        /// Folder holding slides/, speaker-notes/ and static/.
        #[arg(long, default_value = ".")]
        deck: PathBuf,
        /// The frontend bundle built by `cargo xtask build` [default: $RAFTDECK_DIST or target/dist].
        #[arg(long)]
        dist: Option<PathBuf>,
    },
    /// Print the talk to PDF with headless Chromium: one 16:9 page per slide (or step).
    Pdf {
        /// The PDF to write.
        #[arg(long)]
        out: PathBuf,
        /// One page per step of every slide instead of one per slide.
        #[arg(long)]
        steps: bool,
        /// Add each slide's speaker notes under it.
        #[arg(long)]
        notes: bool,
        /// Chromium's executable [default: `chromium` or `chromium-browser` on PATH].
        #[arg(long)]
        chromium: Option<PathBuf>,
        /// Folder holding slides/, speaker-notes/ and static/.
        #[arg(long, default_value = ".")]
        deck: PathBuf,
        /// The frontend bundle built by `cargo xtask build` [default: $RAFTDECK_DIST or target/dist].
        #[arg(long)]
        dist: Option<PathBuf>,
    },
    /// Export a Raft (etcd) scenario as an animated SVG and/or PNG frames (exit 2 on a
    /// bad scenario).
    Export {
        /// The scenario file.
        scenario: PathBuf,
        /// The animated SVG to write (SMIL, self-contained).
        #[arg(long, required_unless_present = "png_frames")]
        svg: Option<PathBuf>,
        /// A folder to write numbered PNG frames into (needs the `png` feature, on by
        /// default).
        #[arg(long, value_name = "DIR")]
        png_frames: Option<PathBuf>,
        /// Frames per second of the PNG frames.
        #[arg(long, default_value_t = 10)]
        fps: u32,
        /// Real duration of the animation in ms [default: 4× the simulated time].
        #[arg(long)]
        duration_ms: Option<u64>,
    },
    /// Run an `etcd` scenario on a real local etcd cluster (peer links through
    /// in-process proxies) and print the same result JSON as `sim` (exit 2 on a bad
    /// scenario or a step real etcd cannot express).
    Real {
        /// The scenario file.
        scenario: PathBuf,
        /// The etcd binary, or a folder holding `etcd` and `etcdctl` [default: on PATH].
        #[arg(long)]
        etcd: Option<PathBuf>,
        /// Run it this many times, one after the other; prints a JSON array when N > 1.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
        runs: u32,
    },
    /// Every etcd scenario of the talk, plus generated ones, in the simulation and on real
    /// etcd, side by side in a Markdown report (exit 1 when a row disagrees).
    VerifyEtcd {
        /// The scenarios folder.
        #[arg(long, default_value = "slides/scenarios")]
        scenarios: PathBuf,
        /// How many generated scenarios to add.
        #[arg(long, default_value_t = 25)]
        generated: u32,
        /// Seed of the generated scenarios.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Real runs per scenario (real etcd's spread).
        #[arg(long, default_value_t = 5)]
        runs: u32,
        /// Real clusters at once.
        #[arg(long, default_value_t = 3)]
        jobs: u32,
        /// Only these scenarios (comma-separated file stems or generated names).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// The report to write.
        #[arg(long, default_value = "REAL-ETCD.md")]
        out: PathBuf,
        /// The etcd binary, or a folder holding `etcd` and `etcdctl` [default: on PATH].
        #[arg(long)]
        etcd: Option<PathBuf>,
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
            live_etcd,
        } => {
            let config = ServeConfig {
                addr,
                deck_dir: deck,
                dist_dir: dist.unwrap_or_else(server::bundle::default_dist_dir),
                token,
                live_etcd,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(server::serve::serve(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            out,
            single_file,
            base,
            with_notes,
            deck,
            dist,
        } => {
            let started = std::time::Instant::now();
            let dist = dist.unwrap_or_else(server::bundle::default_dist_dir);
            let out = match (out, single_file) {
                (Some(out), _) => out,
                (None, Some(file)) => {
                    let report = server::single_file::build_single_file(
                        &server::single_file::SingleFileConfig {
                            deck_dir: deck,
                            dist_dir: dist,
                            out: file.clone(),
                            with_notes,
                        },
                    )?;
                    say!(
                        "raftdeck: wrote {} ({} slides, {} images inlined, {} KiB) in {} ms",
                        file.display(),
                        report.slides,
                        report.images,
                        report.bytes / 1024,
                        started.elapsed().as_millis()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                (None, None) => anyhow::bail!("give --out DIR or --single-file FILE"),
            };
            let report = server::export::build_site(&server::export::BuildConfig {
                deck_dir: deck,
                dist_dir: dist,
                out_dir: out.clone(),
                base,
                with_notes,
            })?;
            say!(
                "raftdeck: wrote {} ({} slides, {} files, {} KiB) in {} ms",
                out.display(),
                report.slides,
                report.files,
                report.bytes / 1024,
                started.elapsed().as_millis()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Pdf {
            out,
            steps,
            notes,
            chromium,
            deck,
            dist,
        } => {
            let report = server::pdf::print_pdf(&server::pdf::PdfConfig {
                deck_dir: deck,
                dist_dir: dist.unwrap_or_else(server::bundle::default_dist_dir),
                out: out.clone(),
                steps,
                notes,
                chromium,
            })?;
            say!(
                "raftdeck: wrote {} ({} pages, {} KiB)",
                out.display(),
                report.pages,
                report.bytes / 1024
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            scenario,
            svg,
            png_frames,
            fps,
            duration_ms,
        } => {
            let config = server::svg_export::ExportConfig {
                scenario,
                svg,
                png_frames,
                fps,
                duration_ms,
            };
            match server::svg_export::export(&config) {
                Ok(report) => {
                    say!(
                        "raftdeck: exported {} ({} nodes, {} messages, {:.1} s{})",
                        config.scenario.display(),
                        report.nodes,
                        report.messages,
                        report.duration_ms as f64 / 1000.0,
                        if report.frames > 0 {
                            format!(", {} PNG frames", report.frames)
                        } else {
                            String::new()
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => match error.downcast_ref::<server::svg_export::BadScenario>() {
                    Some(bad) => {
                        eprintln!("raftdeck: {bad}");
                        Ok(ExitCode::from(2))
                    }
                    None => Err(error),
                },
            }
        }
        Command::Sim {
            scenario,
            trace,
            hash,
            matrix,
        } => match scenario {
            Some(scenario) if !matrix => Ok(run_sim(&scenario, trace, hash)),
            _ => print_matrix().map(|()| ExitCode::SUCCESS),
        },
        Command::Real {
            scenario,
            etcd,
            runs,
        } => server::real::run_real(&scenario, etcd.as_deref(), runs),
        Command::VerifyEtcd {
            scenarios,
            generated,
            seed,
            runs,
            jobs,
            only,
            out,
            etcd,
        } => server::real::verify(&server::real::VerifyConfig {
            scenarios_dir: scenarios,
            generated,
            seed,
            runs,
            jobs,
            only,
            out,
            etcd,
        }),
        Command::Check { deck } => match deck::compiler::compile_deck(&deck) {
            Ok(compiled) => {
                // Warnings (slides without notes, minutes that do not add up) are printed
                // like errors but do not fail the check: the talk can still be given.
                for warning in deck::notes::warnings(&deck, &compiled) {
                    say!("{warning}");
                }
                print_timing(&compiled);
                say!(
                    "{}: {} slides, {} with speaker notes, {:.1} of {} planned minutes, about {:.1} minutes spoken",
                    deck.display(),
                    compiled.talk_slide_count(),
                    // The talk's slides with notes: appendices are outside both counts.
                    compiled
                        .talk_slides()
                        .iter()
                        .filter(|slide| compiled.notes.contains_key(&slide.id))
                        .count(),
                    compiled.planned_slide_minutes(),
                    compiled.meta.planned_minutes,
                    compiled.estimated_minutes()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                say!("{errors}");
                Ok(ExitCode::FAILURE)
            }
        },
    }
}

/// `raftdeck check`'s timing table: each chapter's slides, planned minutes (the slides'
/// `minutes`) and estimate (notes spoken and widgets played), then the total.
fn print_timing(deck: &deck::Deck) {
    say!("| chapter | slides | planned min | estimated min |");
    say!("| --- | ---: | ---: | ---: |");
    for chapter in deck::timing::chapters(deck) {
        say!(
            "| {} | {} | {:.2} | {:.2} |",
            chapter.chapter,
            chapter.slides,
            chapter.planned_minutes,
            chapter.estimated_minutes
        );
    }
    say!(
        "| total | {} | {:.2} | {:.2} |",
        deck.talk_slide_count(),
        deck.planned_slide_minutes(),
        deck.estimated_minutes()
    );
    let appendices = deck.appendix_slides();
    if let (Some(end), false) = (&deck.meta.end_slide, appendices.is_empty()) {
        let ids: Vec<&str> = appendices.iter().map(|slide| slide.id.as_str()).collect();
        say!(
            "appendices after `{end}` (outside the count and the timing): {}",
            ids.join(", ")
        );
    }
}

/// `raftdeck sim --matrix`: the computed tables, as Markdown (headers in French, like
/// the slides that embed them).
fn print_matrix() -> anyhow::Result<()> {
    use deck::tables::{fault_tolerance_markdown, matrix_markdown};
    use sim::models::matrix;
    let rows = matrix::failure_matrix()
        .map_err(|error| anyhow::anyhow!("the matrix scenarios did not build: {error}"))?;
    // A closed stdout (`| head`) ends the output quietly, as for any Unix filter.
    print_lines([
        "## Failure matrix (failure at 10 s, a write every second, 2 min observed)\n".to_owned(),
        matrix_markdown(&rows),
        "## etcd fault tolerance (cluster size → majority → failures tolerated)\n".to_owned(),
        fault_tolerance_markdown(&matrix::fault_tolerance_table(9))
            .trim_end()
            .to_owned(),
    ]);
    Ok(())
}

/// `raftdeck sim`: exit 0 with the result, 2 when the scenario is unreadable or invalid
/// (the message names the file and the JSON path), 1 if the run broke a safety invariant.
fn run_sim(path: &std::path::Path, trace: bool, hash: bool) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("raftdeck: {}: cannot read: {error}", path.display());
            return ExitCode::from(2);
        }
    };
    let scenario = match sim::parse_any(&text) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("raftdeck: {}: {error}", path.display());
            return ExitCode::from(2);
        }
    };
    if hash {
        say!("{:016x}", sim::models::scenario_hash(&scenario));
        return ExitCode::SUCCESS;
    }
    // `"system"` picks the model; the other systems have no event trace, only a result.
    let scenario = match scenario {
        sim::AnyScenario::Etcd(scenario) => scenario,
        other => {
            let result = sim::models::run_parsed(&other);
            say!("{}", result.to_json());
            return violations_exit(path, result.violation_count());
        }
    };
    let (result, lines) = if trace {
        sim::trace_json_lines(&scenario)
    } else {
        (sim::run_scenario(&scenario), Vec::new())
    };
    if !print_lines(lines.into_iter().chain([result.to_json()])) {
        // The reader went away (`| head`): as for any Unix filter, that is not an error.
        return ExitCode::SUCCESS;
    }
    violations_exit(path, result.violations.len() as u64)
}

/// Prints lines to stdout; false when stdout is closed (a broken pipe), where
/// a plain `println!` would panic.
fn print_lines(lines: impl IntoIterator<Item = String>) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return false;
        }
    }
    out.flush().is_ok()
}

/// Exit 0 for a clean run; 1 (with a message) when the run broke a safety invariant,
/// which is a bug in the model, never the scenario's fault.
fn violations_exit(path: &std::path::Path, violations: u64) -> ExitCode {
    if violations == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "raftdeck: {}: the run broke {violations} safety invariant(s)",
            path.display()
        );
        ExitCode::FAILURE
    }
}
