"""What the screens show, read from the store into plain dataclasses.

Everything here touches the database, so it is called only from thread workers, each
inside ``database.connection_context()``.  Screens receive the frozen results in
messages and never see a peewee model.
"""
