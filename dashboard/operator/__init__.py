"""What an operator reads: the store problem a command reports in one line
(:mod:`~dashboard.operator.where`), human tables and JSON documents
(:mod:`~dashboard.operator.output`), ``pantau status`` (:mod:`~dashboard.operator.status`)
and ``pantau doctor`` (:mod:`~dashboard.operator.doctor`). Pure where it can be: the
store reads are in ``dashboard/store/`` (``presence``, ``overview``)."""
