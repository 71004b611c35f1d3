"""The few protobuf messages of a TensorBoard event file that lossdoc reads, declared here (field numbers as in
TensorBoard's ``event.proto``, ``summary.proto``, ``tensor.proto``, ``tensor_shape.proto``), so that the protobuf
fallback of the TensorBoard reader needs the small ``protobuf`` package and not the ``tensorboard`` package (88 MB
with its dependencies, measured). Fields lossdoc never reads (graphs, histograms, images, audio)
are left out: protobuf skips them as unknown fields, and ``WhichOneof("value")`` is then None. The tests check
these messages against TensorBoard's own protos."""

from __future__ import annotations

from functools import cache


@cache
def event_class():
    """The ``Event`` message class (built on first use: protobuf is imported only when a record needs it)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="lossdoc_event.proto", package="lossdoc.tb", syntax="proto3")

    def message(name: str, fields: list[tuple], oneofs: tuple[str, ...] = ()) -> descriptor_pb2.DescriptorProto:
        m = fdp.message_type.add(name=name)
        for o in oneofs:
            m.oneof_decl.add(name=o)
        for fname, number, ftype, label, type_name, oneof in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = f".lossdoc.tb.{type_name}"
            if oneof is not None:
                f.oneof_index = oneof
        return m

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("Dim", [("size", 1, F.TYPE_INT64, opt, None, None), ("name", 2, F.TYPE_STRING, opt, None, None)])
    message("TensorShapeProto", [("dim", 2, F.TYPE_MESSAGE, rep, "Dim", None),
                                 ("unknown_rank", 3, F.TYPE_BOOL, opt, None, None)])
    message("TensorProto", [
        ("dtype", 1, F.TYPE_INT32, opt, None, None),  # the DataType enum, read as its number
        ("tensor_shape", 2, F.TYPE_MESSAGE, opt, "TensorShapeProto", None),
        ("tensor_content", 4, F.TYPE_BYTES, opt, None, None),
        ("float_val", 5, F.TYPE_FLOAT, rep, None, None),
        ("double_val", 6, F.TYPE_DOUBLE, rep, None, None),
        ("int_val", 7, F.TYPE_INT32, rep, None, None),
        ("int64_val", 10, F.TYPE_INT64, rep, None, None),
        ("bool_val", 11, F.TYPE_BOOL, rep, None, None),
        ("half_val", 13, F.TYPE_INT32, rep, None, None),
        ("uint32_val", 16, F.TYPE_UINT32, rep, None, None),
        ("uint64_val", 17, F.TYPE_UINT64, rep, None, None),
    ])
    message("PluginData", [("plugin_name", 1, F.TYPE_STRING, opt, None, None)])
    message("SummaryMetadata", [("plugin_data", 1, F.TYPE_MESSAGE, opt, "PluginData", None)])
    message("Value", [
        ("tag", 1, F.TYPE_STRING, opt, None, None),
        ("simple_value", 2, F.TYPE_FLOAT, opt, None, 0),
        ("node_name", 7, F.TYPE_STRING, opt, None, None),
        ("tensor", 8, F.TYPE_MESSAGE, opt, "TensorProto", 0),
        ("metadata", 9, F.TYPE_MESSAGE, opt, "SummaryMetadata", None),
    ], oneofs=("value",))
    message("Summary", [("value", 1, F.TYPE_MESSAGE, rep, "Value", None)])
    # SessionLog: only its status (the enum read as its number; START = 1 makes EventAccumulator purge).
    message("SessionLog", [("status", 1, F.TYPE_INT32, opt, None, None)])
    message("Event", [
        ("wall_time", 1, F.TYPE_DOUBLE, opt, None, None),
        ("step", 2, F.TYPE_INT64, opt, None, None),
        ("file_version", 3, F.TYPE_STRING, opt, None, None),
        ("summary", 5, F.TYPE_MESSAGE, opt, "Summary", None),
        ("session_log", 7, F.TYPE_MESSAGE, opt, "SessionLog", None),
    ])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("lossdoc.tb.Event"))
