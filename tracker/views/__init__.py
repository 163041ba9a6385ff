"""Pages of the analyst workspace, one module per area; plain function views."""
