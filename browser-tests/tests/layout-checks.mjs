// In-page checks of what the room reads, run by `stage.test.mjs` with one `page.evaluate`
// per slide or step (the whole function is sent to the page, so it uses nothing from
// outside itself). Each returns a list of problems, as sentences; empty is good.
//
// - HTML text: the text of an element stays inside the element itself (a label running
//   past its button), inside any ancestor that clips it (a caption cut by an ellipsis, a
//   code line cut by its block) and inside the slide.
// - SVG text in widgets: inside its drawing; never across the edge of a box the drawing
//   marks with `data-box` (a site, a card, a button, a log entry); never over another
//   label; and at least 4.5:1 against what is behind it (WCAG AA), which axe-core does not
//   check in SVG.

/** Runs every check on the element `scope` (a slide's canvas, or any element). */
export function inspectLayout({ scope, contrast = true }) {
  const root = document.querySelector(scope);
  if (!root) return [`nothing matches ${scope}`];
  const problems = [];
  const rootBox = root.getBoundingClientRect();
  // Screen pixels per canvas pixel: tolerances scale with the slide.
  const scale = root.offsetWidth ? rootBox.width / root.offsetWidth : 1;
  const slack = 1.5 * Math.max(scale, 1);
  const hiddenCache = new Map();
  const hidden = (element) => {
    if (!element || element.nodeType !== 1) return false;
    if (hiddenCache.has(element)) return hiddenCache.get(element);
    const style = getComputedStyle(element);
    const result = style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0
      || hidden(element.parentElement);
    hiddenCache.set(element, result);
    return result;
  };
  const describe = (element) => {
    const classes = String(element.className?.baseVal ?? element.className ?? "").trim();
    const text = (element.textContent || "").replace(/\s+/g, " ").trim().slice(0, 48);
    return `${element.tagName.toLowerCase()}${classes ? "." + classes.split(/\s+/).join(".") : ""} « ${text} »`;
  };
  const inside = (inner, outer, tolerance = slack) => inner.left >= outer.left - tolerance && inner.right <= outer.right + tolerance
    && inner.top >= outer.top - tolerance && inner.bottom <= outer.bottom + tolerance;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;

  // HTML text boxes.
  const range = document.createRange();
  for (const element of root.querySelectorAll("*")) {
    if (element instanceof SVGElement) continue;
    const texts = [...element.childNodes].filter((node) => node.nodeType === 3 && node.textContent.trim());
    if (texts.length === 0 || hidden(element)) continue;
    let box = null;
    for (const text of texts) {
      range.selectNodeContents(text);
      for (const rect of range.getClientRects()) {
        if (rect.width === 0) continue;
        box = box ? {
          left: Math.min(box.left, rect.left), right: Math.max(box.right, rect.right),
          top: Math.min(box.top, rect.top), bottom: Math.max(box.bottom, rect.bottom),
        } : { left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom };
      }
    }
    if (!box) continue;
    const own = element.getBoundingClientRect();
    // Sideways only: glyphs may reach a little above and below a tight line box.
    if (box.left < own.left - slack || box.right > own.right + slack) {
      problems.push(`${describe(element)}: its text runs past its own box (${Math.round(box.right - own.right)} px)`);
      continue;
    }
    if (!inside(box, rootBox, slack + 2)) {
      problems.push(`${describe(element)}: its text runs out of the slide`);
      continue;
    }
    for (let ancestor = element.parentElement; ancestor && ancestor !== root.parentElement; ancestor = ancestor.parentElement) {
      const style = getComputedStyle(ancestor);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      if (!inside(box, ancestor.getBoundingClientRect(), slack + 2)) {
        problems.push(`${describe(element)}: its text is cut by ${describe(ancestor).split(" «")[0]}`);
      }
      break;
    }
  }

  // SVG labels in widgets.
  const parse = (colour) => {
    const match = /rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:,?\s*\/?\s*([\d.]+))?\)/.exec(colour || "");
    if (!match) return null;
    return { r: +match[1], g: +match[2], b: +match[3], a: match[4] === undefined ? 1 : +match[4] };
  };
  const mix = (top, bottom, alpha) => ({
    r: top.r * alpha + bottom.r * (1 - alpha), g: top.g * alpha + bottom.g * (1 - alpha), b: top.b * alpha + bottom.b * (1 - alpha),
  });
  const luminance = ({ r, g, b }) => {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const opacityOf = (element, stop) => {
    let value = 1;
    for (let e = element; e && e !== stop; e = e.parentElement) value *= Number(getComputedStyle(e).opacity);
    return value;
  };
  const htmlBackground = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour.a > 0) return colour;
    }
    return { r: 255, g: 255, b: 255 };
  };
  // Hit-testing must see every shape, including those that ignore the pointer.
  const probe = document.createElement("style");
  probe.textContent = "svg, svg * { pointer-events: visiblePainted !important; }";
  if (contrast) document.head.append(probe);
  try {
    for (const svg of root.querySelectorAll("svg")) {
      if (hidden(svg) || !svg.closest("[data-widget]")) continue;
      const svgBox = svg.getBoundingClientRect();
      const labels = [...svg.querySelectorAll("text")]
        .filter((text) => text.textContent.trim() && !hidden(text) && opacityOf(text, svg) > 0.05)
        .map((text) => ({ text, box: text.getBoundingClientRect() }))
        .filter(({ box }) => box.width > 0);
      const boxes = [...svg.querySelectorAll("[data-box]")]
        .filter((box) => !hidden(box))
        .map((element) => ({ element, box: element.getBoundingClientRect() }));
      for (const [index, { text, box }] of labels.entries()) {
        if (!inside(box, svgBox)) {
          problems.push(`${describe(text)}: runs out of its drawing`);
          continue;
        }
        for (const { element, box: outline } of boxes) {
          if (overlap(box, outline) && !inside(box, outline) && !inside(outline, box)) {
            problems.push(`${describe(text)}: crosses the edge of ${describe(element).split(" «")[0]}`);
          }
        }
        for (const other of labels.slice(index + 1)) {
          if (overlap(box, other.box)) problems.push(`${describe(text)} overlaps ${describe(other.text)}`);
        }
        if (!contrast) continue;
        if (text.closest('[aria-disabled="true"], .raft-client-disabled')) continue;
        const ink = parse(getComputedStyle(text).fill);
        if (!ink) continue;
        const x = box.left + box.width / 2;
        const y = box.top + box.height / 2;
        let behind = null;
        for (const element of document.elementsFromPoint(x, y)) {
          if (element === text || element.closest("text")) continue;
          if (element instanceof SVGGraphicsElement && !(element instanceof SVGSVGElement) && !(element instanceof SVGGElement)) {
            const fill = parse(getComputedStyle(element).fill);
            if (!fill || fill.a === 0) continue;
            const alpha = fill.a * opacityOf(element, svg);
            if (alpha < 0.5) continue;
            behind = mix(fill, htmlBackground(svg), alpha);
            break;
          }
          if (!(element instanceof SVGElement)) {
            behind = htmlBackground(element);
            break;
          }
        }
        behind ??= htmlBackground(svg);
        // A label drawn over a halo of its own (a stroke painted under the fill) reads
        // against that halo, whatever crosses behind it.
        const style = getComputedStyle(text);
        const halo = parse(style.stroke);
        if (halo && halo.a > 0 && parseFloat(style.strokeWidth) >= 2 && style.paintOrder.startsWith("stroke")) {
          behind = mix(halo, behind, halo.a);
        }
        const seen = mix(ink, behind, ink.a * opacityOf(text, svg));
        const contrastRatio = ratio(seen, behind);
        if (contrastRatio < 4.45) {
          problems.push(`${describe(text)}: contrast ${contrastRatio.toFixed(2)}:1 against what is behind it (needs 4.5:1)`);
        }
      }
    }
  } finally {
    probe.remove();
  }
  return problems;
}

/** The computed colour of every text the slide in `scope` shows, in document order: the
 *  presenter view and the overview must draw a slide's text as the audience sees it. */
export function textColours({ scope }) {
  const root = document.querySelector(scope);
  if (!root) return null;
  return [...root.querySelectorAll("h1, h2, h3, p, li, td, th, blockquote, code, strong, em, a, figcaption")]
    .filter((element) => element.textContent.trim() && !element.closest("[data-widget]"))
    .map((element) => `${element.tagName.toLowerCase()}: ${getComputedStyle(element).color}`);
}
