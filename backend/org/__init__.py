"""The hierarchy: district, street, community/village, grid, building, rural station."""
