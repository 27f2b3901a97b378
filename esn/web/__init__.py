"""HTTP plumbing only: templates, htmx helpers, CSRF, security headers, errors, auth."""
