// Starts Swagger UI on /docs. A file of our own, not inline code, so the page can forbid
// inline scripts in its content security policy.
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,  // the default would send the document to a public validator
    showExtensions: true,
  });
});
