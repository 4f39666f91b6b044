"""The layout model: build (arrays to a MIP), solve (OR-Tools backends), plan (results)."""
