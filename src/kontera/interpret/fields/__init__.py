"""Fields found on read pages: labels, candidates, amounts, seller, lines, the learned reader."""
