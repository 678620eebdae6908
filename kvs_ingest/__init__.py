"""rtcc-ingest: the camera edge agent (camera stream -> H.264 in MKV -> Kinesis Video Streams PutMedia).

Media side: source, encode, masks, motion, snapshot, fragmenter, mkv, testpattern.
Transport side: config, credentials, putmedia, acks, ringbuffer, backoff, agent, cli.
The package imports nothing from rtcc, infra or functions: it ships to a camera owner's machine on its own.
"""
