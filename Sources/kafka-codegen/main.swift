// The protocol generator; see docs/protocol.md.
print("kafka-codegen: not yet implemented")
