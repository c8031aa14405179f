/* Loaded after RequireJS and before the ipywidgets HTML manager, on pages with widgets.
 *
 * 1. RequireJS resolves the manager's modules relative to the page, and each module loads its
 *    fonts from next to itself: map the module names into this site's _static/html-manager/dist.
 * 2. The manager typesets widget labels through the MathJax 2 call MathJax.Hub.Queue, but the
 *    site runs MathJax 3 (no Hub): give every MathJax object a Hub.Queue that forwards the
 *    request to MathJax 3's typesetPromise once MathJax is ready (and ignores it before).
 */
(function () {
  "use strict";
  var dist = new URL("html-manager/dist/", document.currentScript.src).href;
  var paths = { "@jupyter-widgets/html-manager/dist": dist.replace(/\/$/, "") };
  ["base", "base7", "controls", "controls7", "html-manager"].forEach(function (name) {
    paths["@jupyter-widgets/" + name] = dist + name; // module URL -> its assets in dist/
  });
  window.require.config({ paths: paths });

  function addHub(mathjax) {
    if (!mathjax || typeof mathjax !== "object" || mathjax.Hub) {
      return mathjax;
    }
    mathjax.Hub = {
      Queue: function (job) {
        var element = Array.isArray(job) ? job[2] : undefined;
        var current = window.MathJax;
        if (current && current.startup && current.startup.promise && current.typesetPromise) {
          current.startup.promise.then(function () {
            return current.typesetPromise(element ? [element] : undefined);
          });
        }
      },
    };
    return mathjax;
  }

  var stored = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () {
      return stored;
    },
    set: function (value) {
      stored = addHub(value);
    },
  });
})();
