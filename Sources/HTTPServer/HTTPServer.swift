// Placeholder: the HTTP server is built in issue 4.
