/* Loader of the <hub-planner> widget. Paste on your page:
 *   <script src="https://HUB/widget.js" async></script>
 *   <hub-planner token="..."></hub-planner>
 * (/widget/builder writes the snippet). A classic script, so that it knows its own URL. */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = script && script.src ? script.src : location.href;
  if (!window.customElements || window.customElements.get('hub-planner')) return;
  import(new URL('static/hub-planner.js', base).href).catch(function (error) {
    console.error('hub-planner: the widget could not load', error);
  });
})();
