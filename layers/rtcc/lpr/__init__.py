"""License-plate reads (issue 11): vendor reads in, hotlists, OCR-tolerant matching without
scans, purpose-bound search, retention and transparency. Domain modules here make no AWS
calls; adapters and wiring plug into their ports."""
