// The API reference page: Swagger UI over the document the portal serves.
// No validator badge (it would send the document to swagger.io).
window.addEventListener("DOMContentLoaded", function () {
  SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
  });
});
