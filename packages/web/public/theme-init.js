// Runs before the first paint (a separate file, so a strict CSP without 'unsafe-inline' allows it):
// apply the stored or system theme so a dark-mode user never sees a white flash.
(function () {
  try {
    var stored = localStorage.getItem("opensync.theme");
    var dark = stored === "dark" || (stored !== "light" && matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.classList.toggle("dark", dark);
  } catch (e) {}
})();
