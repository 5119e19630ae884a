"""The facade: `Archive`, the library every face uses, with batches, user data and workflow."""
