// Live keep_prob: switch a chart (or a row of metrics) between states that Python computed.
//
// Receives, through Streamlit's Custom Components v2, `data` = {bundle, digest, keep_prob, target}:
//   bundle     JSON text from ui/live.py. For a chart: {kind: "chart", keep_probs: [...], traces: [trace...],
//              layouts: [layout...], frames: [[[trace index, ...], layout index] for each keep_prob]}. For metrics:
//              {kind: "metrics", keep_probs: [...], labels: [...], values: [[text, ...] for each keep_prob],
//              deltas: [[text or null, ...] for each keep_prob]}.
//   digest     a hash of the bundle: the same digest means the same bundle, so it is not read again.
//   keep_prob  the value the page was computed at (shown until the slider says otherwise).
//   target     for metrics, the key of the st.container holding the st.metric elements to rewrite.
//
// Draws: a Plotly chart (plotly.js served by Streamlit from static/), created once and updated with
// Plotly.react only when the frame to show differs from the one shown. For metrics it draws nothing
// of its own; it rewrites the value text of the page's st.metric elements.
//
// Why it listens to the slider's markup: Streamlit's st.slider sends its value only on release, but
// while the thumb is dragged (or stepped with the keys) it rewrites the value shown above the thumb,
// and the range input's aria-valuetext, at every step. A MutationObserver on the sidebar sees that
// change before any rerun. (tests/test_browser.py fails if a Streamlit upgrade stops doing this.)
// This file computes no number a learner reads: it only picks the precomputed state whose keep_prob
// equals the value shown.

const PLOTLY_URL = "app/static/plotly.min.js"; // relative to the app's address, so a base path works
const PLOTLY_TIMEOUT_MS = 20000;
// The sidebar's keep_prob slider: its range input (whose aria-valuetext follows the thumb) and, should
// that attribute go, the label above the thumb. Both are rewritten at every step of a drag.
const SLIDER_INPUT = '[data-testid="stSidebar"] input[type="range"][aria-label="keep_prob"]';
const SLIDER_VALUE = '.st-key-keep_prob [data-testid="stSliderThumbValue"]';
const PLOT_CONFIG = { responsive: true, displaylogo: false, displayModeBar: "hover" };
const SETTLE_MS = 180; // after the slider's last step, the frame is drawn again whole (cell numbers included)

// --- plotly.js, loaded once for the whole page --------------------------------------------------------

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__dropoutLabPlotly) {
    window.__dropoutLabPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(PLOTLY_URL, document.baseURI).href;
      script.async = true;
      const timer = setTimeout(() => reject(new Error("plotly.js took too long to load")), PLOTLY_TIMEOUT_MS);
      script.onload = () => {
        clearTimeout(timer);
        window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js loaded but defined no Plotly"));
      };
      script.onerror = () => {
        clearTimeout(timer);
        reject(new Error("plotly.js could not be loaded from " + script.src));
      };
      document.head.appendChild(script);
    });
    // A failed load must be retried by a later page view, not remembered as failed forever.
    window.__dropoutLabPlotly.catch(() => { window.__dropoutLabPlotly = null; });
  }
  return window.__dropoutLabPlotly;
}

// --- the slider: one observer for every live element on the page -------------------------------------

const listeners = new Set(); // functions called with the keep_prob the slider shows, when it changes
let observer = null;
let observed = null; // the element the observer watches: the sidebar once it exists
let lastShown = null;

function sliderValue() {
  const input = document.querySelector(SLIDER_INPUT);
  const label = document.querySelector(SLIDER_VALUE);
  const text = (input && input.getAttribute("aria-valuetext")) || (label && label.textContent);
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : null;
}

function onMutations() {
  if (observed !== document.querySelector('[data-testid="stSidebar"]')) watchSlider(); // the sidebar appeared
  // Drawn at once, in this callback. The redraw holds the thread, so pointer moves that arrive meanwhile
  // wait; the next callback reads the slider as it is then, and the charts go straight to the latest
  // step instead of drawing every step late.
  const value = sliderValue();
  if (value === null || value === lastShown) return;
  lastShown = value;
  for (const listener of listeners) listener(value);
}

function watchSlider() {
  // Watch the sidebar only (the main area changes on every rerun); the whole body until the sidebar exists.
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const root = sidebar || document.body;
  if (observer && observed === root) return;
  if (observer) observer.disconnect();
  observer = new MutationObserver(onMutations);
  observer.observe(root, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-valuetext"],
  });
  observed = root;
}

// --- states ------------------------------------------------------------------------------------------

// The index of the state computed at `keep_prob`, or -1. The slider shows two decimals and the states
// are the slider's own values, so a tolerance below half a step is an exact match, not a rounding.
function stateIndex(keepProbs, keepProb) {
  let best = -1;
  let bestDistance = 1e-6;
  keepProbs.forEach((value, index) => {
    const distance = Math.abs(value - keepProb);
    if (distance <= bestDistance) { best = index; bestDistance = distance; }
  });
  return best;
}

function readBundle(text) {
  const bundle = JSON.parse(text);
  if (bundle.kind === "chart") {
    // Kept as text and parsed at each switch: Plotly may write into the objects it is given, and a
    // state shown again later must be the state Python sent.
    bundle.traces = bundle.traces.map((trace) => JSON.stringify(trace));
    bundle.layouts = bundle.layouts.map((layout) => JSON.stringify(layout));
  }
  return bundle;
}

// The traces without the numbers written on heatmap cells, for the frames drawn while the slider moves:
// those numbers are most of a redraw's cost and cannot be read while they change. Every number stays
// in the hover text, and the whole frame is drawn SETTLE_MS after the last step.
function withoutCellText(traces) {
  return traces.map((trace) => {
    if (trace.type !== "heatmap" || !(trace.texttemplate || trace.text)) return trace;
    const { texttemplate, text, ...rest } = trace; // eslint-disable-line no-unused-vars
    return rest;
  });
}

// The text node that holds a metric's value (React keeps a reference to it, so it is updated in place).
function valueTextNode(element) {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.nodeValue.trim()) node = walker.nextNode();
  return node;
}

// --- one live element ----------------------------------------------------------------------------------

const elements = new WeakMap(); // parentElement -> its LiveElement, so a rerun updates instead of recreating

class LiveElement {
  constructor(parentElement, setStateValue, key) {
    this.key = key;
    this.parent = parentElement;
    this.setStateValue = setStateValue;
    this.digest = null;
    this.bundle = null;
    this.pageKeepProb = null; // the keep_prob Python computed the page at
    this.shown = null; // {key, lite} of the frame on the chart, or the metric row's index
    this.plot = null;
    this.failed = false;
    this.follow = (keepProb) => this.showKeepProb(keepProb, "slider");
    this.settleTimer = null;
    this.visible = true; // until the IntersectionObserver says otherwise
    this.sight = new IntersectionObserver((entries) => {
      this.visible = entries[entries.length - 1].isIntersecting;
    });
    this.sight.observe(parentElement);
    listeners.add(this.follow);
  }

  update(data) {
    if (data.digest !== this.digest) {
      this.bundle = readBundle(data.bundle);
      this.digest = data.digest;
      this.shown = null;
    }
    this.target = data.target;
    this.parent.dataset.liveKind = this.bundle.kind; // "chart" or "metrics": lets tests wait for every chart
    this.pageKeepProb = data.keep_prob;
    // After a rerun the slider and the page agree; while it is being dragged the slider is ahead.
    const onSlider = sliderValue();
    const start = onSlider !== null && stateIndex(this.bundle.keep_probs, onSlider) >= 0 ? onSlider : data.keep_prob;
    this.showKeepProb(start, "rerun");
  }

  showKeepProb(keepProb, cause) {
    if (!this.bundle || this.failed) return;
    const index = stateIndex(this.bundle.keep_probs, keepProb);
    if (index < 0) return; // a value the states do not cover: keep what is shown until the rerun brings it
    const started = performance.now();
    const moving = cause === "slider";
    // While the slider moves, a chart scrolled out of sight waits for the settling redraw: the learner
    // cannot see it, and its redraw would delay the charts they do see.
    const deferred = moving && this.bundle.kind === "chart" && !this.visible;
    const changed = deferred ? false
      : this.bundle.kind === "chart" ? this.showFrame(index, moving) : this.showMetrics(index);
    if (moving && this.bundle.kind === "chart") {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.settle(keepProb), SETTLE_MS);
    }
    if (!deferred) this.parent.dataset.keepProb = String(this.bundle.keep_probs[index]); // on show (tests read it)
    if (changed) {
      document.dispatchEvent(new CustomEvent("dropout-lab:live", {
        detail: { key: this.key, keepProb: this.bundle.keep_probs[index], cause, ms: performance.now() - started },
      }));
    }
  }

  // The whole frame (cell numbers included) once the slider has rested. Not while a rerun is running: its
  // rendering and this redraw would share the one thread, and the page would be late for both.
  settle(keepProb) {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app && app.getAttribute("data-test-script-state") === "running") {
      this.settleTimer = setTimeout(() => this.settle(keepProb), 50);
      return;
    }
    this.showKeepProb(keepProb, "settle");
  }

  showFrame(index, moving = false) {
    const [traceIndices, layoutIndex] = this.bundle.frames[index];
    const frameKey = traceIndices.join(",") + "|" + layoutIndex; // equal keys: equal frames (Python deduplicated)
    const shown = this.shown;
    // Nothing to draw when this frame is on the chart already (whole, or without cell numbers while moving).
    if (shown && shown.key === frameKey && (moving || !shown.lite)) return false;
    let traces = traceIndices.map((i) => JSON.parse(this.bundle.traces[i]));
    const lite = moving && traces.some((trace) => trace.type === "heatmap" && (trace.texttemplate || trace.text));
    if (lite) traces = withoutCellText(traces);
    this.shown = { key: frameKey, lite };
    const layout = JSON.parse(this.bundle.layouts[layoutIndex]);
    // The app's own typeface (as st.plotly_chart's theme does), unless the figure names one.
    layout.font = { family: getComputedStyle(this.parent).fontFamily, ...(layout.font || {}) };
    if (!this.plot) {
      this.plot = document.createElement("div");
      this.plot.className = "dl-live-chart";
      this.plot.style.minHeight = (layout.height || 360) + "px"; // hold the space while plotly.js loads
      this.parent.appendChild(this.plot);
    }
    if (!window.Plotly) { // the first frame waits for plotly.js; later frames find it loaded
      this.pending = index; // the latest frame asked for while waiting
      if (!this.waiting) {
        this.waiting = true;
        loadPlotly().then(() => {
          this.waiting = false;
          this.shown = null;
          this.showFrame(this.pending, false);
        }).catch((error) => this.fail(error));
      }
      return false;
    }
    window.Plotly.react(this.plot, traces, layout, PLOT_CONFIG);
    return true;
  }

  showMetrics(index) {
    if (this.shown === index) return false;
    const box = document.querySelector(".st-key-" + CSS.escape(this.target));
    if (!box) return false;
    const metrics = box.querySelectorAll('[data-testid="stMetric"]');
    if (metrics.length !== this.bundle.labels.length) return false; // not the row Python drew: leave it
    metrics.forEach((metric, column) => {
      const value = metric.querySelector('[data-testid="stMetricValue"]');
      const node = value && valueTextNode(value);
      if (node) node.nodeValue = this.bundle.values[index][column];
      // A delta that exists on the page shows this state's delta (empty where this state has none).
      const delta = metric.querySelector('[data-testid="stMetricDelta"]');
      const deltaNode = delta && valueTextNode(delta);
      if (deltaNode) deltaNode.nodeValue = this.bundle.deltas[index][column] || "";
    });
    this.shown = index;
    return true;
  }

  fail(error) {
    if (this.failed) return;
    this.failed = true;
    console.warn("Dropout Lab: live charts unavailable, falling back to Streamlit's charts.", error);
    this.setStateValue("failed", true); // reruns the page, which then draws st.plotly_chart instead
  }

  destroy() {
    listeners.delete(this.follow);
    clearTimeout(this.settleTimer);
    this.sight.disconnect();
    if (this.plot && window.Plotly) window.Plotly.purge(this.plot);
    elements.delete(this.parent);
  }
}

export default function (component) {
  const { data, parentElement, setStateValue, key } = component;
  watchSlider();
  let element = elements.get(parentElement);
  if (!element) {
    element = new LiveElement(parentElement, setStateValue, key);
    elements.set(parentElement, element);
  }
  element.update(data);
  return () => element.destroy();
}
