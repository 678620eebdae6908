"""Live video: officers watch integrated and city cameras live (HLS from Kinesis Video
Streams) when their owner's policy allows it now; camera agents report motion."""
