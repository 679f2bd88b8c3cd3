// Marks the page as having JavaScript before it paints, as GOV.UK Frontend expects
// (a file, not an inline script: the pages' Content-Security-Policy allows no inline script).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
