// Herald's API reference: Swagger UI over the contract Herald serves. No inline script (CSP script-src 'self'),
// no online validator badge (it would send the document elsewhere).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
