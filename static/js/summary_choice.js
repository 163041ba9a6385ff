// The summaries form: offer only the countries with a narrative in the report year chosen.
// Without this script every country is listed and the form says which years a country has.
(function () {
  "use strict";
  var country = document.querySelector("select[data-summary-country]");
  var year = country && country.form ? country.form.elements.year : null;
  if (!year) {
    return;
  }
  function offer() {
    var chosen = year.value;
    Array.prototype.forEach.call(country.options, function (option) {
      var years = option.getAttribute("data-years");
      var fits = years === null || years.split(" ").indexOf(chosen) !== -1;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) {
        country.value = "";
      }
    });
  }
  year.addEventListener("change", offer);
  offer();
})();
