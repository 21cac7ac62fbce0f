"""One screen per module: login, queue, request, customer search, customer, audit log,
staff admin."""
