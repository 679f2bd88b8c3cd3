// Enhances the GOV.UK components on the page; every page works without it.
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();
