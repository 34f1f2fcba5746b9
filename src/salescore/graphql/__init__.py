"""GraphQL for BI tools and integrators (strawberry)."""
