"""Documents generated for customers from templates (e.g. 《客户技术确认单》) and the customer's response."""
