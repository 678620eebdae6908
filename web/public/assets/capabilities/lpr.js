// Plate reads (issue 11): the views register here as they land.
