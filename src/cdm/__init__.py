"""CDM, the information system of the network of Cités des métiers."""
