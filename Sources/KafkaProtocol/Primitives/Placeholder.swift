// Generated codecs land here (see kafka-codegen).
