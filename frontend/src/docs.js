// The API documentation (/docs): Swagger UI, served by the app itself (fastapi-offline's copy) and
// started from this file rather than an inline script, so the Content-Security-Policy needs no exception.
window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  validatorUrl: null, // no validity badge fetched from another site
});
