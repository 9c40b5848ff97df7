/* The course's side-panel drawer on phones (custom.css, below 760px): the panel beside the
   lesson is hidden and shows as a drawer while its icon bar is tapped. JupyterLab collapses a
   side panel when the icon of the panel that is already open is pressed again, so on a phone
   the first tap (the file browser starts open) and every other tap after it showed nothing.
   Below the breakpoint a press on the open panel's icon is kept from JupyterLab; the tap still
   opens the drawer through the stylesheet, and JupyterLab's saved layout is not changed.

   A hand-written module-federation container (what JupyterLab loads for a prebuilt
   extension), so no JavaScript build step is needed. */
(function () {
  "use strict";
  var NARROW = "(max-width: 760px)"; // the breakpoint of custom.css
  var OPEN_TAB = ".jp-SideBar .lm-TabBar-tab.lm-mod-current";

  function keepOpen(event) {
    var target = event.target;
    if (!window.matchMedia(NARROW).matches || !target || !target.closest) {
      return;
    }
    if (target.closest(OPEN_TAB)) {
      event.stopPropagation(); // never reaches the tab bar, which would collapse the panel
    }
  }

  var plugin = {
    id: "course-phone-drawer:plugin",
    description: "Phones: the side panel's icon opens the drawer on the first tap",
    autoStart: true,
    activate: function () {
      document.addEventListener("pointerdown", keepOpen, true);
      document.addEventListener("mousedown", keepOpen, true);
    }
  };

  var registry = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  registry["course-phone-drawer"] = {
    init: function () {
      return Promise.resolve();
    },
    get: function () {
      return Promise.resolve(function () {
        return { __esModule: true, default: [plugin] };
      });
    }
  };
})();
