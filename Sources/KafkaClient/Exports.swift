// KafkaClient implements the admin seam; whoever links the client sees the seam's types too.
@_exported import KafkaAdmin
