/* The concept widgets of the course, live on the static website (no kernel, no server).
 *
 * Displaying an explorer of course_lib.widgets in a notebook also writes an inert output,
 *   <div class="course-live" data-kind="..." hidden>
 *     <script type="application/json" class="course-live-spec">{...}</script></div>
 * describing the widget: its kind, its input arrays (float32, base64) and its controls with
 * their ranges and values at display time (Explorer.live_spec in course_lib/widgets/_base.py).
 * This script finds those specs, builds the same controls and recomputes the figure and the
 * info line in the browser with small twins of course_lib's pure functions (conv_output_size,
 * conv_step, pool2d, receptive_field_region_2d, parse_kernel, apply_filter, ...). Invalid
 * settings show the error text course_lib raises, and the figure keeps the last valid state,
 * as in the notebook.
 *
 * A widget that needs Python (kind "kernel", e.g. a torch model) gets a short note with a link
 * to the notebook on Colab, and the dead controls of its saved view are hidden.
 *
 * For tests and measurements each widget root (div.course-live-widget) exposes
 *   data-ready="true" and data-ready-ms (performance.now() when it was first drawn),
 *   data-state: JSON {values, error, info, result} (result: the computed numbers; arrays of
 *   more than 4096 values are left out there and read from the element's courseLiveState).
 * <html data-course-live-ready="N"> is set once the page is parsed and its N widgets are ready.
 *
 * The book loads this script async and writes `window.courseLive.mount()` after each spec, so
 * a widget works as soon as its cell is parsed (see jupyter_book/_ext/course_book.py).
 */
(function () {
  "use strict";

  var BIG = 4096;

  // ---------------------------------------------------------------- arrays -----------------

  /** A 2-D array: {h, w, d} with d a Float64Array in row-major order. */
  function grid(h, w, fill) {
    var d = new Float64Array(h * w);
    if (fill !== undefined) d.fill(fill);
    return { h: h, w: w, d: d };
  }

  /** An encoded array of the spec (course_lib.widgets._base.encode_array) as {shape, d}. */
  function decode(spec) {
    if (spec.dtype !== "float32") throw new Error("unsupported dtype " + spec.dtype);
    var bin = atob(spec.data);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var view = new DataView(bytes.buffer);
    var d = new Float64Array(bin.length / 4);
    for (var k = 0; k < d.length; k++) d[k] = view.getFloat32(4 * k, true);
    return { shape: spec.shape.slice(), d: d };
  }

  function decode2d(spec) {
    var a = decode(spec);
    if (a.shape.length !== 2) throw new Error("expected a 2-D array, got " + a.shape);
    return { h: a.shape[0], w: a.shape[1], d: a.d };
  }

  function at(g, i, j) {
    return g.d[i * g.w + j];
  }

  /** The top-left h x w corner of g. */
  function crop(g, h, w) {
    var out = grid(h, w);
    for (var i = 0; i < h; i++) for (var j = 0; j < w; j++) out.d[i * w + j] = at(g, i, j);
    return out;
  }

  /** Nested lists for JSON (NaN -> null). */
  function nested(g) {
    var rows = [];
    for (var i = 0; i < g.h; i++) {
      var row = [];
      for (var j = 0; j < g.w; j++) {
        var v = at(g, i, j);
        row.push(Number.isFinite(v) ? v : null);
      }
      rows.push(row);
    }
    return rows;
  }

  function range(g) {
    var lo = Infinity;
    var hi = -Infinity;
    for (var k = 0; k < g.d.length; k++) {
      var v = g.d[k];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return lo === Infinity ? [0, 1] : [lo, hi];
  }

  function maxAbs(g) {
    var m = 0;
    for (var k = 0; k < g.d.length; k++) m = Math.max(m, Math.abs(g.d[k]));
    return m;
  }

  // ------------------------------------------------- Python's formatting of numbers --------

  /** Digits of |v| rounded half-to-even at `frac` decimals (exact, like Python): [int, frac]. */
  function roundDecimal(a, frac) {
    var full = a.toFixed(100); // exact decimal expansion for the magnitudes used here
    var point = full.indexOf(".");
    var digits = full.slice(0, point) + full.slice(point + 1);
    var cut = point + frac;
    var kept = digits.slice(0, cut).split("").map(Number);
    var rest = digits.slice(cut);
    var up = rest[0] > "5" || (rest[0] === "5" && /[1-9]/.test(rest.slice(1)));
    if (rest[0] === "5" && !up && !/[1-9]/.test(rest.slice(1))) {
      up = kept.length > 0 && kept[kept.length - 1] % 2 === 1; // a tie: to even
    }
    if (up) {
      var i = kept.length - 1;
      while (i >= 0 && kept[i] === 9) kept[i--] = 0;
      if (i >= 0) kept[i] += 1;
      else kept.unshift(1);
    }
    var intLength = kept.length - frac;
    var intPart = kept.slice(0, intLength).join("") || "0";
    return [intPart.replace(/^0+(?=\d)/, ""), kept.slice(intLength).join("")];
  }

  function signOf(v) {
    return v < 0 || Object.is(v, -0) ? "-" : "";
  }

  /** Python's format(v, ".{decimals}f"). */
  function fmtF(v, decimals) {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return signOf(v) + "inf";
    var parts = roundDecimal(Math.abs(v), decimals);
    return signOf(v) + parts[0] + (decimals > 0 ? "." + parts[1] : "");
  }

  /** |a| (> 0) rounded half-to-even to p significant digits: [digits, decimal exponent]. */
  function significant(a, p) {
    var full = a.toFixed(100); // exact decimal expansion for the magnitudes used here
    var point = full.indexOf(".");
    var all = full.slice(0, point) + full.slice(point + 1);
    var first = all.search(/[1-9]/);
    var exp = point - 1 - first;
    var kept = all.slice(first, first + p).split("").map(Number);
    while (kept.length < p) kept.push(0);
    var rest = all.slice(first + p);
    var tail = /[1-9]/.test(rest.slice(1));
    if (rest[0] > "5" || (rest[0] === "5" && (tail || kept[p - 1] % 2 === 1))) {
      var i = p - 1;
      while (i >= 0 && kept[i] === 9) kept[i--] = 0;
      if (i >= 0) kept[i] += 1;
      else {
        kept = [1].concat(kept.slice(0, p - 1));
        exp += 1;
      }
    }
    return [kept.join(""), exp];
  }

  /** Python's format(v, ".{precision}g") (format(v, "g") is precision 6). */
  function fmtG(v, precision) {
    var p = precision === undefined ? 6 : Math.max(precision, 1);
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return signOf(v) + "inf";
    var a = Math.abs(v);
    if (a === 0) return signOf(v) + "0";
    if (a < 1e-90 || a >= 1e21) return String(v); // outside what the widgets show
    var sig = significant(a, p);
    var digits = sig[0];
    var exp = sig[1];
    var strip = function (s) {
      return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, "");
    };
    var text;
    if (exp < -4 || exp >= p) {
      var e = Math.abs(exp);
      text = strip(digits[0] + "." + digits.slice(1)) + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    } else if (exp >= 0) {
      text = strip(digits.slice(0, exp + 1) + "." + digits.slice(exp + 1));
    } else {
      text = strip("0." + "0".repeat(-exp - 1) + digits);
    }
    return signOf(v) + text;
  }

  /** Python's repr of a tuple of ints, e.g. "(3, 4)". */
  function tuple(values) {
    return "(" + values.join(", ") + (values.length === 1 ? ",)" : ")");
  }

  /** Python's repr of a str. */
  function pyRepr(s) {
    var q = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s[i];
      var code = s.charCodeAt(i);
      if (c === "\\") out += "\\\\";
      else if (c === q) out += "\\" + q;
      else if (c === "\n") out += "\\n";
      else if (c === "\r") out += "\\r";
      else if (c === "\t") out += "\\t";
      else if (code < 32 || code === 127) out += "\\x" + (code < 16 ? "0" : "") + code.toString(16);
      else out += c;
    }
    return q + out + q;
  }

  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // --------------------------------------------- twins of course_lib's pure functions ------

  /** The ValueError of course_lib: shown to the reader, the figure keeps its last state. */
  function SettingError(message) {
    this.message = message;
  }

  /** course_lib.core.shapes._axis_output */
  function axisOutput(size, k, s, p, d, what, axis) {
    var span = d * (k - 1) + 1;
    var padded = size + 2 * p;
    if (span > padded) {
      throw new SettingError(
        what + ": kernel_size" + axis + " with dilation spans " + span + " samples, larger " +
          "than the padded input (" + size + " + 2*" + p + " = " + padded + "); use a smaller " +
          "kernel or more padding"
      );
    }
    return Math.floor((padded - span) / s) + 1;
  }

  /** shapes.conv_output_size with int arguments. */
  function convOutputSize(size, k, s, p, d) {
    return axisOutput(size, k, s, p, d, "conv_output_size", "");
  }

  /** arithmetic.output_size_formula */
  function outputSizeFormula(size, k, s, p, d) {
    var out = convOutputSize(size, k, s, p, d);
    return "floor((" + size + " + 2*" + p + " - " + d + "*(" + k + "-1) - 1) / " + s + ") + 1 = " + out;
  }

  /** Zero padding on every side. */
  function pad(x, ph, pw) {
    var out = grid(x.h + 2 * ph, x.w + 2 * pw);
    for (var i = 0; i < x.h; i++) {
      for (var j = 0; j < x.w; j++) out.d[(i + ph) * out.w + j + pw] = at(x, i, j);
    }
    return out;
  }

  /** ops.conv2d of one map with one filter (cross-correlation, zero padding). */
  function conv2d(x, kernel, stride, ph, pw, dilation) {
    var h = axisOutput(x.h, kernel.h, stride, ph, dilation, "conv_output_size", "[0]");
    var w = axisOutput(x.w, kernel.w, stride, pw, dilation, "conv_output_size", "[1]");
    var xp = pad(x, ph, pw);
    var out = grid(h, w);
    for (var i = 0; i < h; i++) {
      for (var j = 0; j < w; j++) {
        var sum = 0;
        for (var a = 0; a < kernel.h; a++) {
          var row = (i * stride + dilation * a) * xp.w + j * stride;
          for (var b = 0; b < kernel.w; b++) sum += xp.d[row + dilation * b] * kernel.d[a * kernel.w + b];
        }
        out.d[i * w + j] = sum;
      }
    }
    return out;
  }

  /** arithmetic.conv_step */
  function convStep(x, kernel, step, stride, padding, dilation) {
    var output = conv2d(x, kernel, stride, padding, padding, dilation);
    var n = output.h * output.w;
    var cell = ((step % n) + n) % n;
    var i = Math.floor(cell / output.w);
    var j = cell % output.w;
    var window = [];
    for (var a = 0; a < kernel.h; a++) {
      for (var b = 0; b < kernel.w; b++) window.push([i * stride + dilation * a, j * stride + dilation * b]);
    }
    return {
      padded: pad(x, padding, padding),
      output: output,
      position: [i, j],
      window: window,
      value: at(output, i, j),
    };
  }

  var POOL_MODES = ["max", "avg", "std", "lp"];

  /** ops.pool2d of one map, without padding. */
  function pool2d(x, k, s, mode, p) {
    if (POOL_MODES.indexOf(mode) < 0) {
      throw new SettingError("pool2d: mode must be one of ('max', 'avg', 'std', 'lp'), got " + pyRepr(mode));
    }
    if (mode === "lp" && !(Number.isFinite(p) && p > 0)) {
      throw new SettingError("pool2d: p must be a positive finite number for mode='lp', got " + fmtG(p, 17));
    }
    var h = axisOutput(x.h, k, s, 0, 1, "pool_output_size", "[0]");
    var w = axisOutput(x.w, k, s, 0, 1, "pool_output_size", "[1]");
    var out = grid(h, w);
    var win = new Float64Array(k * k);
    for (var i = 0; i < h; i++) {
      for (var j = 0; j < w; j++) {
        var n = 0;
        for (var a = 0; a < k; a++) for (var b = 0; b < k; b++) win[n++] = at(x, i * s + a, j * s + b);
        var v;
        var t;
        if (mode === "max") {
          v = -Infinity;
          for (t = 0; t < n; t++) v = Math.max(v, win[t]);
        } else if (mode === "avg") {
          v = 0;
          for (t = 0; t < n; t++) v += win[t];
          v /= n;
        } else if (mode === "std") {
          var mean = 0;
          for (t = 0; t < n; t++) mean += win[t];
          mean /= n;
          v = 0;
          for (t = 0; t < n; t++) v += (win[t] - mean) * (win[t] - mean);
          v = Math.sqrt(v / n);
        } else {
          v = 0;
          for (t = 0; t < n; t++) v += Math.pow(Math.abs(win[t]), p);
          v = Math.pow(v / n, 1 / p);
        }
        out.d[i * w + j] = v;
      }
    }
    return out;
  }

  /** locality.receptive_field_region_2d; layers: [[kh, kw], [sh, sw], [ph, pw], [dh, dw]]. */
  function receptiveRegion(layers, unit, shape) {
    var names = ["row", "col"];
    var out = { rows: null, cols: null, unit: [unit[0], unit[1]], output_shape: [], size: [], jump: [] };
    for (var axis = 0; axis < 2; axis++) {
      var length = shape[axis];
      layers.forEach(function (layer) {
        length = convOutputSize(length, layer[0][axis], layer[1][axis], layer[2][axis], layer[3][axis]);
      });
      var index = unit[axis];
      if (index >= length) {
        throw new SettingError(
          "unit " + names[axis] + "=" + index + " is outside the output (" + length + " " +
            names[axis] + "s): choose 0.." + (length - 1)
        );
      }
      var lo = index;
      var hi = index;
      for (var l = layers.length - 1; l >= 0; l--) {
        var k = layers[l][0][axis];
        var s = layers[l][1][axis];
        var p = layers[l][2][axis];
        var d = layers[l][3][axis];
        lo = lo * s - p;
        hi = hi * s - p + d * (k - 1);
      }
      var size = 1;
      var jump = 1;
      layers.forEach(function (layer) {
        size += layer[3][axis] * (layer[0][axis] - 1) * jump;
        jump *= layer[1][axis];
      });
      out[axis === 0 ? "rows" : "cols"] = [Math.max(lo, 0), Math.min(hi + 1, shape[axis])];
      out.output_shape.push(length);
      out.size.push(size);
      out.jump.push(jump);
    }
    return out;
  }

  var FLOAT_RE = /^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)$/i;

  /** Python's float(token). */
  function pyFloat(token) {
    if (!FLOAT_RE.test(token)) {
      throw new SettingError("could not convert string to float: " + pyRepr(token));
    }
    var body = token.replace(/^[+-]/, "").toLowerCase();
    var sign = token[0] === "-" ? -1 : 1;
    if (body.indexOf("inf") === 0) return sign * Infinity;
    if (body === "nan") return NaN;
    return sign * Number(body.replace(/_/g, ""));
  }

  /** filters.parse_kernel */
  function parseKernel(text) {
    var rows = [];
    text.split(";").forEach(function (row) {
      if (!row.trim()) return;
      var tokens = row.replace(/,/g, " ").trim().split(/\s+/).filter(Boolean);
      try {
        rows.push(tokens.map(pyFloat));
      } catch (err) {
        if (err instanceof SettingError) {
          throw new SettingError("could not read the kernel " + pyRepr(text) + ": " + err.message);
        }
        throw err;
      }
    });
    if (!rows.length) {
      throw new SettingError(
        "the kernel " + pyRepr(text) + " is empty: type rows such as '-1 0 1; -1 0 1'"
      );
    }
    var lengths = [];
    rows.forEach(function (r) {
      if (lengths.indexOf(r.length) < 0) lengths.push(r.length);
    });
    lengths.sort(function (a, b) {
      return a - b;
    });
    if (lengths.length > 1) {
      throw new SettingError(
        "every row of the kernel needs the same length, got lengths [" + lengths.join(", ") +
          "] in " + pyRepr(text)
      );
    }
    var K = grid(rows.length, lengths[0]);
    rows.forEach(function (r, i) {
      r.forEach(function (v, j) {
        K.d[i * K.w + j] = v;
      });
    });
    for (var k = 0; k < K.d.length; k++) {
      if (!Number.isFinite(K.d[k])) throw new SettingError("the kernel " + pyRepr(text) + " has non-finite values");
    }
    return K;
  }

  /** filters.apply_filter: "same" zero padding, optional ReLU. */
  function applyFilter(S, K, rectify) {
    if (K.h % 2 === 0 || K.w % 2 === 0) {
      throw new SettingError("kernel must be 2-D with odd sizes (e.g. 3x3), got " + tuple([K.h, K.w]));
    }
    var out = conv2d(S, K, 1, (K.h - 1) / 2, (K.w - 1) / 2, 1);
    if (rectify) for (var k = 0; k < out.d.length; k++) out.d[k] = Math.max(out.d[k], 0);
    return out;
  }

  /** ops.locally_connected2d of one map; weight(i, j) gives the filter of output (i, j). */
  function locallyConnected(x, weight, kh, kw, padding) {
    var xp = pad(x, padding, padding);
    var h = xp.h - kh + 1;
    var w = xp.w - kw + 1;
    var out = grid(h, w);
    for (var i = 0; i < h; i++) {
      for (var j = 0; j < w; j++) {
        var f = weight(i, j);
        var sum = 0;
        for (var a = 0; a < kh; a++) for (var b = 0; b < kw; b++) sum += xp.d[(i + a) * xp.w + j + b] * f[a * kw + b];
        out.d[i * w + j] = sum;
      }
    }
    return out;
  }

  /** numpy.allclose with its default tolerances but atol given. */
  function allclose(a, b, atol) {
    for (var k = 0; k < a.d.length; k++) {
      if (!(Math.abs(a.d[k] - b.d[k]) <= atol + 1e-5 * Math.abs(b.d[k]))) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------ drawing --------------

  // matplotlib's colormaps sampled at 17 evenly spaced points (linear in between)
  var CMAPS = {
    viridis: "44015448186a472d7b4240863b528b33638d2c728e26828e21918c1fa08828ae803fbc735ec96284d44baddc30d8e219fde725",
    magma: "0000040a08221d114736106b51127c6a1c818326819c2e7fb73779d0416fe75263f56b5cfc8961fea772fec488fde2a3fcfdbf",
    Blues: "f7fbffeaf3fbdeebf7d2e3f3c6dbefb2d2e89dcae184bcdb6aaed656a0ce4191c63181bd2070b41460a808509b08408208306b",
    coolwarm: "3b4cc04e68d86282ea779af78db0fea3c2feb9d0f9ccd9eddddcdcecd3c5f5c4acf7b093f4987aeb7d62dd5f4bca3b37b40426",
  };
  var LUT = {};
  Object.keys(CMAPS).forEach(function (name) {
    var hex = CMAPS[name];
    var stops = [];
    for (var i = 0; i < hex.length; i += 6) {
      stops.push([0, 2, 4].map(function (o) {
        return parseInt(hex.substr(i + o, 2), 16);
      }));
    }
    LUT[name] = stops;
  });

  function colour(cmap, t) {
    var stops = LUT[cmap];
    var x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
    var i = Math.min(Math.floor(x), stops.length - 2);
    var f = x - i;
    return [0, 1, 2].map(function (c) {
      return Math.round(stops[i][c] * (1 - f) + stops[i + 1][c] * f);
    });
  }

  function parseHex(hex) {
    return [1, 3, 5].map(function (o) {
      return parseInt(hex.substr(o, 2), 16);
    });
  }

  /**
   * Draw the 2-D array g as a heat map on canvas (matplotlib's imshow, nearest cells).
   * o: cmap, vmin, vmax, lower (row 0 at the bottom), equal (square cells), background (NaN
   * cells), values (a formatter: write each value on its cell), markers ([[row, col]]: red
   * squares), box ({r0, r1, c0, c1}: a cyan rectangle around rows r0..r1-1, cols c0..c1-1).
   */
  function heatmap(canvas, g, o) {
    var ratio = window.devicePixelRatio || 1;
    var width = Math.max(canvas.parentNode.clientWidth, 20);
    var height = o.height || 240;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var cw = width / g.w;
    var ch = height / g.h;
    if (o.equal) cw = ch = Math.min(cw, ch);
    var x0 = (width - cw * g.w) / 2;
    var y0 = (height - ch * g.h) / 2;
    var lo = o.vmin;
    var hi = o.vmax;
    if (lo === undefined || hi === undefined) {
      var r = range(g);
      if (lo === undefined) lo = r[0];
      if (hi === undefined) hi = r[1];
    }
    if (!(hi > lo)) hi = lo + 1;
    var background = parseHex(o.background || "#ffffff");
    var cell = document.createElement("canvas");
    cell.width = g.w;
    cell.height = g.h;
    var cctx = cell.getContext("2d");
    var img = cctx.createImageData(g.w, g.h);
    var rowOf = function (i) {
      return o.lower ? g.h - 1 - i : i;
    };
    for (var i = 0; i < g.h; i++) {
      for (var j = 0; j < g.w; j++) {
        var v = at(g, i, j);
        var c = Number.isFinite(v) ? colour(o.cmap, (v - lo) / (hi - lo)) : background;
        var p = 4 * (rowOf(i) * g.w + j);
        img.data[p] = c[0];
        img.data[p + 1] = c[1];
        img.data[p + 2] = c[2];
        img.data[p + 3] = 255;
      }
    }
    cctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cell, x0, y0, cw * g.w, ch * g.h);
    var values = o.values ? o.values.grid || g : null;
    if (values && o.values.format) {
      ctx.font = Math.max(8, Math.min(13, ch * 0.45)) + "px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (var a = 0; a < values.h; a++) {
        for (var b = 0; b < values.w; b++) {
          var value = at(values, a, b);
          if (!Number.isFinite(value)) continue;
          var rgb = colour(o.cmap, (value - lo) / (hi - lo));
          var light = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255 > 0.5;
          ctx.fillStyle = light ? "#000" : "#fff";
          ctx.fillText(o.values.format(value), x0 + (b + 0.5) * cw, y0 + (rowOf(a) + 0.5) * ch);
        }
      }
    }
    ctx.lineWidth = 2;
    (o.markers || []).forEach(function (m) {
      ctx.strokeStyle = "red";
      ctx.strokeRect(x0 + (m[1] + 0.1) * cw, y0 + (rowOf(m[0]) + 0.1) * ch, 0.8 * cw, 0.8 * ch);
    });
    if (o.box) {
      ctx.strokeStyle = "cyan";
      var top = o.lower ? g.h - o.box.r1 : o.box.r0;
      ctx.strokeRect(x0 + o.box.c0 * cw, y0 + top * ch, (o.box.c1 - o.box.c0) * cw, (o.box.r1 - o.box.r0) * ch);
    }
  }

  // ------------------------------------------------------------- the widgets ---------------

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** Builders of the figure, compute and text of each kind: kind -> function(data) -> twin. */
  var KINDS = {};

  KINDS["conv-arithmetic"] = function (data) {
    var X = decode2d(data.x);
    var W = decode2d(data.kernel);
    return {
      panels: [["input", 3], ["filter", 1.3], ["output", 3]],
      compute: function (v) {
        var x = crop(X, v.size, v.size);
        var kernel = crop(W, v.kernel_size, v.kernel_size);
        var out = convOutputSize(v.size, v.kernel_size, v.stride, v.padding, v.dilation);
        var step = Math.min(v.step, out * out - 1);
        var formula = outputSizeFormula(v.size, v.kernel_size, v.stride, v.padding, v.dilation);
        var s = convStep(x, kernel, step, v.stride, v.padding, v.dilation);
        s.formula = formula;
        s.kernel = kernel;
        s.padding = v.padding;
        s.dilation = v.dilation;
        return s;
      },
      limits: function (s) {
        return { step: s.output.h * s.output.w - 1 };
      },
      draw: function (s, panels) {
        var p = s.padding;
        var shown = grid(s.padded.h, s.padded.w, NaN);
        for (var i = p; i < s.padded.h - p; i++) {
          for (var j = p; j < s.padded.w - p; j++) shown.d[i * shown.w + j] = at(s.padded, i, j);
        }
        panels[0].title.textContent =
          "input " + (s.padded.h - 2 * p) + "x" + (s.padded.w - 2 * p) + ", padding " + p + " (shaded)";
        var f0 = function (v) {
          return fmtF(v, 0);
        };
        heatmap(panels[0].canvas, shown, {
          cmap: "Blues", vmin: -1, vmax: 8, equal: true, background: "#f4d6a0",
          values: s.padded.h <= 14 ? { grid: s.padded, format: f0 } : null,
          markers: s.window,
        });
        var k = s.kernel.h;
        panels[1].title.textContent = "filter " + k + "x" + k + ", dilation " + s.dilation;
        heatmap(panels[1].canvas, s.kernel, { cmap: "coolwarm", vmin: -2, vmax: 2, equal: true, values: { format: f0 } });
        var out = s.output;
        var done = grid(out.h, out.w, NaN);
        var n = s.position[0] * out.w + s.position[1] + 1;
        for (var c = 0; c < n; c++) done.d[c] = out.d[c];
        var bound = maxAbs(out) || 1;
        panels[2].title.textContent = "output " + out.h + "x" + out.w;
        heatmap(panels[2].canvas, done, {
          cmap: "coolwarm", vmin: -bound, vmax: bound, equal: true, background: "#eeeeee",
          values: { format: f0 }, markers: [s.position],
        });
      },
      info: function (s) {
        return (
          "output size = " + s.formula + " \u00a0|\u00a0 output cell " + tuple(s.position) +
          " = sum(red cells x filter) = " + fmtG(s.value)
        );
      },
      result: function (s) {
        return {
          output: nested(s.output), position: s.position, value: s.value, formula: s.formula,
          window: s.window, padded_shape: [s.padded.h, s.padded.w],
        };
      },
      play: "step",
    };
  };

  KINDS.pooling = function (data) {
    var inputs = {};
    Object.keys(data.inputs).forEach(function (name) {
      inputs[name] = decode2d(data.inputs[name]);
    });
    return {
      panels: [["input", 1], ["pooled", 1]],
      compute: function (v) {
        var X = inputs[v.source];
        return { X: X, Y: pool2d(X, v.kernel_size, v.stride, v.mode, v.p), values: v };
      },
      draw: function (s, panels) {
        var lower = data.spectrograms.indexOf(s.values.source) >= 0;
        var same = s.values.mode !== "std";
        var rx = range(s.X);
        [[s.X, "input"], [s.Y, "pooled"]].forEach(function (pair, n) {
          var g = pair[0];
          var r = same ? rx : range(g);
          panels[n].title.textContent = pair[1] + " " + g.h + "x" + g.w;
          heatmap(panels[n].canvas, g, {
            cmap: lower ? "magma" : "viridis", vmin: r[0], vmax: r[1], lower: lower, equal: !lower,
            values: g.h * g.w <= 36 ? { format: function (x) {
              return fmtG(x, 3);
            } } : null,
          });
        });
      },
      info: function (s) {
        var v = s.values;
        var lp = v.mode === "lp" ? " (p=" + fmtG(v.p) + ")" : "";
        return (
          v.mode + lp + " pooling, kernel " + v.kernel_size + ", stride " + v.stride + ": " +
          tuple([s.X.h, s.X.w]) + " -> " + tuple([s.Y.h, s.Y.w])
        );
      },
      result: function (s) {
        return { input_shape: [s.X.h, s.X.w], output: nested(s.Y) };
      },
    };
  };

  KINDS["receptive-field"] = function (data) {
    var X = decode2d(data.X);
    return {
      panels: [["input and the unit's receptive field", 1], ["output", 1]],
      compute: function (v) {
        var stack = data.layers.slice(0, v.depth);
        var last = receptiveRegion(stack, [0, 0], [X.h, X.w]).output_shape;
        var unit = [Math.min(v.row, last[0] - 1), Math.min(v.col, last[1] - 1)];
        return receptiveRegion(stack, unit, [X.h, X.w]);
      },
      limits: function (s) {
        return { row: s.output_shape[0] - 1, col: s.output_shape[1] - 1 };
      },
      draw: function (s, panels) {
        heatmap(panels[0].canvas, X, {
          cmap: "magma", lower: true,
          box: { r0: s.rows[0], r1: s.rows[1], c0: s.cols[0], c1: s.cols[1] },
        });
        var g = grid(s.output_shape[0], s.output_shape[1]);
        g.d[s.unit[0] * g.w + s.unit[1]] = 1;
        panels[1].title.textContent =
          "output " + s.output_shape[0] + "x" + s.output_shape[1] + ": unit " + tuple(s.unit);
        heatmap(panels[1].canvas, g, { cmap: "Blues", vmin: 0, vmax: 1, lower: true });
      },
      info: function (s) {
        return (
          "unit " + tuple(s.unit) + " sees rows " + s.rows[0] + ".." + (s.rows[1] - 1) +
          " and columns " + s.cols[0] + ".." + (s.cols[1] - 1) + " (a " + (s.rows[1] - s.rows[0]) +
          " x " + (s.cols[1] - s.cols[0]) + " region; receptive field " + s.size[0] + " x " +
          s.size[1] + ", neighbouring units " + s.jump[0] + " x " + s.jump[1] + " apart)"
        );
      },
      result: function (s) {
        return s;
      },
    };
  };

  KINDS["weight-sharing"] = function (data) {
    var X = decode2d(data.X);
    var kernel = decode2d(data.kernel);
    var untied = decode(data.untied); // (H_out, W_out, kH, kW)
    var kh = kernel.h;
    var kw = kernel.w;
    var tiedWeight = function () {
      return kernel.d;
    };
    var untiedWeight = function (i, j) {
      var size = kh * kw;
      var start = (i * untied.shape[1] + j) * size;
      return untied.d.subarray(start, start + size);
    };
    return {
      panels: [["input", 2], ["output", 2], ["filters stored at 4 locations", 1.2]],
      compute: function (v) {
        var conv = locallyConnected(X, tiedWeight, kh, kw, data.padding);
        var out = v.tied ? conv : locallyConnected(X, untiedWeight, kh, kw, data.padding);
        var weight = v.tied ? tiedWeight : untiedWeight;
        var h = out.h;
        var w = out.w;
        var corners = [[0, 0], [0, w - 1], [h >> 1, w >> 1], [h - 1, w - 1]];
        return {
          output: out,
          filters: corners.map(function (c) {
            return Array.prototype.slice.call(weight(c[0], c[1]));
          }),
          params: h * w * kh * kw,
          conv_params: kh * kw,
          locally_connected_params: h * w * kh * kw,
          equals_conv: allclose(out, conv, 1e-5),
        };
      },
      draw: function (s, panels) {
        heatmap(panels[0].canvas, X, { cmap: "magma", lower: true });
        heatmap(panels[1].canvas, s.output, { cmap: "magma", lower: true });
        var k = kh;
        var g = grid(2 * k + 1, 2 * k + 1, NaN);
        [[0, 0], [0, k + 1], [k + 1, 0], [k + 1, k + 1]].forEach(function (o, n) {
          for (var a = 0; a < k; a++) for (var b = 0; b < k; b++) g.d[(o[0] + a) * g.w + o[1] + b] = s.filters[n][a * k + b];
        });
        heatmap(panels[2].canvas, g, { cmap: "coolwarm", vmin: -1, vmax: 1, equal: true });
      },
      info: function (s) {
        return (
          "stored parameters: " + thousands(s.params) + " (convolution needs " + s.conv_params +
          ", untied needs " + thousands(s.locally_connected_params) + "); output equals conv2d: " +
          (s.equals_conv ? "True" : "False")
        );
      },
      result: function (s) {
        return {
          output: nested(s.output), filters: s.filters, params: s.params, conv_params: s.conv_params,
          locally_connected_params: s.locally_connected_params, equals_conv: s.equals_conv,
        };
      },
    };
  };

  KINDS["filter-playground"] = function (data) {
    var sources = {};
    Object.keys(data.sources).forEach(function (name) {
      sources[name] = decode2d(data.sources[name]);
    });
    var kernels = {};
    Object.keys(data.kernels).forEach(function (name) {
      kernels[name] = decode2d(data.kernels[name]);
    });
    return {
      panels: [["kernel", 1.2], ["input spectrogram", 3], ["feature map", 3]],
      compute: function (v) {
        var K = v.custom.trim() ? parseKernel(v.custom) : kernels[v.kernel];
        return { K: K, Y: applyFilter(sources[v.source], K, v.rectify), S: sources[v.source], source: v.source };
      },
      draw: function (s, panels) {
        var K = s.K;
        var bound = maxAbs(K) || 1;
        panels[0].title.textContent = "kernel " + K.h + "x" + K.w;
        heatmap(panels[0].canvas, K, {
          cmap: "coolwarm", vmin: -bound, vmax: bound, lower: true, equal: true,
          values: Math.max(K.h, K.w) <= 7 ? { format: function (x) {
            return fmtG(x, 2);
          } } : null,
        });
        heatmap(panels[1].canvas, s.S, { cmap: "magma", lower: true });
        heatmap(panels[2].canvas, s.Y, { cmap: "magma", lower: true });
      },
      info: function (s) {
        var K = s.K;
        var text = "kernel (rows = frequency, low first): ";
        if (Math.max(K.h, K.w) > 7) {
          var nonzero = [];
          for (var i = 0; i < K.h; i++) {
            for (var j = 0; j < K.w; j++) {
              if (at(K, i, j) !== 0) nonzero.push(tuple([i, j]) + ": " + fmtG(at(K, i, j), 2));
            }
          }
          if (nonzero.length) return text + "non-zero weights " + nonzero.join(", ");
        }
        var rows = [];
        for (var a = 0; a < K.h; a++) {
          var row = [];
          for (var b = 0; b < K.w; b++) row.push(fmtG(at(K, a, b), 2));
          rows.push(row.join(" "));
        }
        return text + rows.join(" | ");
      },
      note: function (s) {
        return data.sonified.indexOf(s.source) >= 0
          ? "Listening to the feature map needs Python (the notebook inverts it to audio):"
          : null;
      },
      result: function (s) {
        return { kernel: nested(s.K), output: nested(s.Y) };
      },
    };
  };

  /** Compact JSON of a result for data-state: big arrays left out. */
  function compact(result) {
    var out = {};
    Object.keys(result).forEach(function (key) {
      var v = result[key];
      var count = Array.isArray(v) && Array.isArray(v[0]) ? v.length * v[0].length : 0;
      out[key] = count > BIG ? { omitted: "read courseLiveState", shape: [v.length, v[0].length] } : v;
    });
    return out;
  }

  function colabUrl() {
    var link =
      document.querySelector(".dropdown-launch-buttons a[href*='colab.research.google.com']") ||
      document.querySelector("article a[href*='colab.research.google.com']");
    return link ? link.href : null;
  }

  function colabLink(text) {
    var url = colabUrl();
    if (!url) return document.createTextNode(" open the notebook in Jupyter or Colab.");
    var a = element("a", "course-live-colab", text);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  /** The controls of the spec (course_lib.widgets._base.describe_control) in the page. */
  function buildControl(c, onChange) {
    var label = element("label", "course-live-control");
    label.appendChild(element("span", "course-live-label", c.label));
    var input;
    var get;
    var set;
    if (c.type === "int" || c.type === "float") {
      input = element("input");
      input.type = "range";
      input.min = c.min;
      input.max = c.max;
      input.step = c.step;
      var readout = element("output", "course-live-readout");
      var show = function () {
        readout.textContent = c.type === "int" ? input.value : fmtG(Number(input.value));
      };
      get = function () {
        return Number(input.value);
      };
      set = function (v) {
        input.value = v;
        show();
      };
      input.addEventListener("input", function () {
        show();
        onChange();
      });
      input.addEventListener("change", onChange);
      label.appendChild(input);
      label.appendChild(readout);
    } else if (c.type === "select") {
      input = element("select");
      c.options.forEach(function (o, i) {
        var option = element("option", null, o[0]);
        option.value = String(i);
        input.appendChild(option);
      });
      get = function () {
        return c.options[Number(input.value)][1];
      };
      set = function (v) {
        c.options.forEach(function (o, i) {
          if (o[1] === v) input.value = String(i);
        });
      };
      input.addEventListener("change", onChange);
      label.appendChild(input);
    } else if (c.type === "toggle") {
      input = element("span", "course-live-toggle");
      input.setAttribute("role", "group");
      var chosen = 0;
      var buttons = c.options.map(function (o, i) {
        var button = element("button", null, o[0]);
        button.type = "button";
        button.addEventListener("click", function () {
          set(o[1]);
          onChange();
        });
        input.appendChild(button);
        return button;
      });
      get = function () {
        return c.options[chosen][1];
      };
      set = function (v) {
        c.options.forEach(function (o, i) {
          if (o[1] === v) chosen = i;
        });
        buttons.forEach(function (b, i) {
          b.setAttribute("aria-pressed", i === chosen ? "true" : "false");
        });
      };
      label = element("div", "course-live-control");
      label.appendChild(element("span", "course-live-label", c.label));
      label.appendChild(input);
    } else if (c.type === "checkbox") {
      input = element("input");
      input.type = "checkbox";
      get = function () {
        return input.checked;
      };
      set = function (v) {
        input.checked = Boolean(v);
      };
      input.addEventListener("change", onChange);
      label.appendChild(input);
    } else if (c.type === "text") {
      input = element("input");
      input.type = "text";
      input.placeholder = c.placeholder || "";
      get = function () {
        return input.value;
      };
      set = function (v) {
        input.value = v;
      };
      input.addEventListener("change", onChange);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") onChange();
      });
      label.appendChild(input);
    } else {
      throw new Error("unknown control type " + c.type);
    }
    input.name = c.name;
    input.setAttribute("data-name", c.name);
    set(c.value);
    return {
      label: label, input: input, get: get, set: set,
      setMax: function (max) {
        if (c.type !== "int" || Number(input.max) === max) return;
        input.max = max;
        if (get() > max) set(max);
      },
    };
  }

  var widgets = [];

  function mountLive(holder, spec) {
    var twin = KINDS[spec.kind](spec.data);
    var root = element("div", "course-live-widget");
    root.setAttribute("data-kind", spec.kind);
    root.setAttribute("data-widget", spec.widget);
    var bar = element("div", "course-live-controls");
    var info = element("div", "course-live-info");
    info.setAttribute("aria-live", "polite");
    var note = element("div", "course-live-note");
    var figure = element("div", "course-live-figure");
    var panels = twin.panels.map(function (p) {
      var panel = element("div", "course-live-panel");
      panel.style.flex = p[1] + " 1 0";
      var title = element("div", "course-live-title", p[0]);
      var canvas = element("canvas");
      canvas.setAttribute("role", "img");
      panel.appendChild(title);
      panel.appendChild(canvas);
      figure.appendChild(panel);
      return { title: title, canvas: canvas };
    });
    var controls = {};
    var state = null;
    var update = function () {
      var values = {};
      Object.keys(controls).forEach(function (name) {
        values[name] = controls[name].get();
      });
      var error = null;
      try {
        var s = twin.compute(values);
        state = s;
        twin.draw(s, panels);
        info.textContent = twin.info(s);
        info.classList.remove("course-live-error");
        if (twin.limits) {
          var limits = twin.limits(s);
          Object.keys(limits).forEach(function (name) {
            controls[name].setMax(limits[name]);
          });
          Object.keys(controls).forEach(function (name) {
            values[name] = controls[name].get();
          });
        }
        var text = twin.note ? twin.note(s) : null;
        note.textContent = "";
        if (text) {
          note.appendChild(document.createTextNode(text + " "));
          note.appendChild(colabLink("open it in Colab"));
        }
        root.courseLiveState = twin.result(s);
      } catch (err) {
        if (!(err instanceof SettingError)) throw err;
        error = err.message; // as the notebook does: show why, keep the last figure
        info.textContent = error;
        info.classList.add("course-live-error");
      }
      root.setAttribute(
        "data-state",
        JSON.stringify({
          values: values, error: error, info: info.textContent,
          result: state ? compact(root.courseLiveState) : null,
        })
      );
      panels.forEach(function (p) {
        p.canvas.setAttribute("aria-label", p.title.textContent + " (" + info.textContent + ")");
      });
    };
    spec.controls.forEach(function (c) {
      controls[c.name] = buildControl(c, update);
      bar.appendChild(controls[c.name].label);
    });
    if (twin.play) {
      var button = element("button", "course-live-play", "\u25b6 play");
      button.type = "button";
      var timer = null;
      button.addEventListener("click", function () {
        if (timer) {
          clearInterval(timer);
          timer = null;
          button.textContent = "\u25b6 play";
          return;
        }
        button.textContent = "\u25a0 stop";
        timer = setInterval(function () {
          var control = controls[twin.play];
          var max = Number(control.input.max);
          control.set(control.get() >= max ? 0 : control.get() + 1);
          update();
        }, 700);
      });
      bar.insertBefore(button, bar.firstChild);
    }
    root.appendChild(bar);
    root.appendChild(info);
    root.appendChild(figure);
    root.appendChild(note);
    holder.appendChild(root);
    holder.hidden = false;
    update();
    var width = figure.clientWidth;
    // drawn as soon as parsed, maybe before the page's styles applied: redraw when the width
    // of the figure changes (styles loaded, window resized)
    root.courseLiveRefit = function () {
      if (figure.clientWidth !== width && state) {
        width = figure.clientWidth;
        twin.draw(state, panels);
      }
    };
    window.addEventListener("resize", root.courseLiveRefit);
    return root;
  }

  function mountKernelOnly(holder) {
    var root = element("div", "course-live-widget course-live-kernel-note");
    root.setAttribute("data-kind", "kernel");
    root.appendChild(
      document.createTextNode(
        "This widget runs a PyTorch model on audio, so it needs Python: on this page it shows " +
          "the saved result only. To change its settings, "
      )
    );
    root.appendChild(colabLink("open this notebook in Colab"));
    root.appendChild(document.createTextNode("."));
    root.setAttribute("data-state", "{}");
    holder.appendChild(root);
    holder.hidden = false;
    return root;
  }

  /**
   * Mount every spec parsed so far (idempotent). Runs when this (async) script arrives, from
   * the inline call the book writes after each spec, and once the document is parsed.
   */
  function mount() {
    var holders = document.querySelectorAll("div.course-live");
    Array.prototype.forEach.call(holders, function (holder) {
      if (holder.getAttribute("data-mounted")) return;
      var script = holder.querySelector("script.course-live-spec");
      if (!script) return; // not parsed yet
      holder.setAttribute("data-mounted", "true");
      var spec = JSON.parse(script.textContent);
      var cell = holder.closest(".cell_output") || holder.parentNode;
      var root;
      if (spec.kind === "kernel") {
        cell.classList.add("course-live-kernel-cell"); // hides the saved view's controls
        root = mountKernelOnly(holder);
      } else if (KINDS[spec.kind]) {
        cell.classList.add("course-live-cell"); // hides a saved view left next to it
        root = mountLive(holder, spec);
      } else {
        return;
      }
      root.setAttribute("data-ready", "true");
      root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
      widgets.push(root);
    });
  }

  function refit() {
    widgets.forEach(function (root) {
      if (root.courseLiveRefit) root.courseLiveRefit();
    });
  }

  function finish() {
    mount();
    refit();
    document.documentElement.setAttribute("data-course-live-ready", String(widgets.length));
  }

  // for tests of the twins in a page: window.courseLive.fmtG(0.125, 2), ...
  window.courseLive = {
    fmtG: fmtG, fmtF: fmtF, pyRepr: pyRepr, parseKernel: function (text) {
      try {
        return nested(parseKernel(text));
      } catch (err) {
        if (err instanceof SettingError) return { error: err.message };
        throw err;
      }
    },
    widgets: widgets,
    mount: mount,
  };

  mount();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", finish);
  else finish();
  window.addEventListener("load", refit);
})();
