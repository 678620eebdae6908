"""Community alerts: residents opt in to text alerts by zone; supervisors send them."""
