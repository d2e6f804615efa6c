"""LTI 1.3 with LTI Advantage: the tool inside a school's learning platform.

- :mod:`.claims` — the IMS names (claim URIs, message types, roles, scopes, media types): one home.
- :mod:`.keys` — the tool's RSA key pairs, their rotation and the published JWKS.
- :mod:`.registrations` — the platforms (issuer, client id, deployments, endpoints).
- :mod:`.platform` — HTTP to a platform: its JWKS (cached), OAuth2 tokens (client assertion, cached).
- :mod:`.launch` — OIDC login initiation, id_token validation, accounts and classes from a launch.
- :mod:`.deep_linking` — what a teacher may place in a course, and the signed response.
- :mod:`.grades` — Assignment and Grade Services through an outbox: no grade is lost.
- :mod:`.roster` — Names and Role Provisioning Services: the course's learners in the class.

Specifications: IMS LTI 1.3 Core, LTI Advantage Security Framework 1.0, Deep Linking 2.0,
Assignment and Grade Services 2.0, Names and Role Provisioning Services 2.0 (imsglobal.org).
Nothing here imports the web framework: the routes (``api/routes/lti.py``) call these.
"""
