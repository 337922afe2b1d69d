"""A read on the hot path whose SQL Django compiles once, then runs again with new values.

Django builds a QuerySet and compiles its SQL on every evaluation. For a `select_related` of two
tables (about 35 columns) that is about 0.3 ms of CPU: more than SQLite takes to run the query.
Every API call reads its token (a proxied call, with the connection it names, in the same query), so
those reads are `PreparedLookup`s (api/models.py). For example:

    by_name = PreparedLookup(lambda owner_id, link_name: Connection.objects.filter(
        owner_id=owner_id, link_name=link_name).select_related("connector").order_by()[:1],
        owner_id=int, link_name=str)
    found = by_name(owner_id=user.pk, link_name="github")   # a list of Connection instances

The queryset is built once per database connection with a marker value for each parameter;
Django compiles it, and what the compiler worked out (the SQL, where each marker sits among its
parameters, the converters of each column, how select_related rows become instances) is kept
with that connection (connections are per thread, and so is what is kept). Each call then runs
the SQL with the call's values and builds the instances as `ModelIterable` does. Every call still
goes to the database: nothing read is cached, so a change (a revoked token) is seen at once.

Only for querysets of model instances whose parameters reach the SQL unchanged (exact lookups on
plain columns); anything else is refused when the lookup is first run.

`leave_out` names columns not to read, by their path from the instance read (as `defer()` would, which
Django refuses behind a FilteredRelation): "named_connection__connector__logo". The SQL selects NULL in
their place and each is left deferred on its instance: reading it loads it (one query), and saving that
instance writes only what was read.
"""

import itertools
import re
import weakref

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import ModelIterable, get_related_populators

_serial = itertools.count(1)


class PreparedLookup:
    def __init__(self, build, using=DEFAULT_DB_ALIAS, *, leave_out=(), **parameters):
        """`build(**values)` returns the queryset; `parameters` names each value's type (str or int); `leave_out`
        the columns not read (see above)."""
        self.build, self.using, self.parameters, self.leave_out = build, using, parameters, leave_out
        self._compiled = weakref.WeakKeyDictionary()  # database connection (one per thread) -> _Compiled

    def __call__(self, **values):
        connection = connections[self.using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled(self, connection)
        return compiled.run(values)


class _Compiled:
    """What Django's compiler worked out for one lookup on one database connection."""

    def __init__(self, lookup, connection):
        markers = {name: _marker(kind) for name, kind in lookup.parameters.items()}
        queryset = lookup.build(**markers)
        if queryset._iterable_class is not ModelIterable or queryset._known_related_objects:
            raise ImproperlyConfigured("A PreparedLookup reads model instances only.")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        left_out = [(path.split("__")[:-1], _field_at(queryset, path)) for path in lookup.leave_out]
        sql, left_out_positions = _without_columns(sql, compiler.select, [field for _, field in left_out])
        self.left_out = [(steps, field.attname) for steps, field in left_out]
        self.sql = _named_placeholders(sql, len(params))
        by_marker = {marker: name for name, marker in markers.items()}
        # Each parameter: its placeholder's name, and the name of the call's value that goes there or a constant.
        self.params = [(f"p{index}", by_marker[param], None) if _is_marker(param, by_marker)
                       else (f"p{index}", None, param) for index, param in enumerate(params)]
        missing = set(markers) - {name for _, name, _ in self.params if name}
        if missing:
            raise ImproperlyConfigured(f"The SQL of this PreparedLookup does not take {', '.join(sorted(missing))} "
                                       "as it is given (only exact lookups on plain columns can be prepared).")
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.annotation_col_map or compiler.has_extra_select:
            raise ImproperlyConfigured("A PreparedLookup reads model columns only, without annotations.")
        fields = [column for column, _, _ in select[:compiler.col_count]]
        self.converters = [(position, converters) for position, converters in compiler.get_converters(fields).items()
                           if position not in left_out_positions]
        self.connection, self.db = connection, queryset.db
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_columns = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.related_populators = get_related_populators(klass_info, select, self.db)

    def run(self, values):
        params = {placeholder: values[name] if name else constant for placeholder, name, constant in self.params}
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            row = list(row)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, self.connection)
                row[position] = value
            instance = self.model.from_db(self.db, self.init_list, row[self.model_columns])
            for populator in self.related_populators:
                populator.populate(row, instance)
            for steps, attname in self.left_out:
                _defer(instance, steps, attname)
            found.append(instance)
        return found


def _field_at(queryset, path):
    """The model field a `leave_out` path names, through relations and the queryset's FilteredRelations."""
    *steps, name = path.split("__")
    model = queryset.model
    for step in steps:
        filtered = queryset.query._filtered_relations.get(step)
        for hop in filtered.relation_name.split("__") if filtered else [step]:
            model = model._meta.get_field(hop).related_model
    return model._meta.get_field(name)


def _without_columns(sql, select, fields):
    """Return the SQL with NULL selected in place of each of `fields`' columns, and those columns' positions."""
    columns = [column_sql for _, (column_sql, _), _ in select]
    positions = set()
    for field in fields:
        found = [index for index, (column, _, _) in enumerate(select) if getattr(column, "target", None) is field]
        if len(found) != 1:
            raise ImproperlyConfigured(f"A PreparedLookup cannot leave out {field}: it is read {len(found)} times.")
        positions.add(found[0])
    if not positions:
        return sql, positions
    head = "SELECT " + ", ".join(columns) + " FROM "
    if not sql.startswith(head):
        raise ImproperlyConfigured("A PreparedLookup leaves columns out of a plain SELECT only.")
    kept = ["NULL" if index in positions else column for index, column in enumerate(columns)]
    return "SELECT " + ", ".join(kept) + " FROM " + sql[len(head):], positions


def _defer(instance, steps, attname):
    """Leave `attname` deferred on the object at `steps` from instance (when the read found one)."""
    for step in steps:
        instance = getattr(instance, step, None)
        if instance is None:
            return
    instance.__dict__.pop(attname, None)


def _named_placeholders(sql, count):
    """The SQL with its `%s` placeholders named `%(p0)s`, `%(p1)s`...: Django's SQLite backend turns `%s` into `?`
    with a regular expression run over the whole text on every execution (about a tenth of this read's time for
    its 4 kB of SQL), and named ones with one `%` formatting. Every backend takes either style."""
    pieces = _FORMAT_PLACEHOLDER.split(sql)
    if len(pieces) != count + 1:
        raise ImproperlyConfigured("The SQL of this PreparedLookup holds a placeholder it does not fill.")
    named = [pieces[0]]
    for index, piece in enumerate(pieces[1:]):
        named += [f"%(p{index})s", piece]
    return "".join(named)


_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")  # as Django's SQLite backend finds them (`%%s` is a literal `%s`)


def _marker(kind):
    """A value no caller sends, of the parameter's type, found again among the compiled parameters."""
    serial = next(_serial)
    if kind is int:
        return -(2**62) + serial
    if kind is str:
        return f"\ue000prepared-lookup-parameter-{serial}\ue000"
    raise ImproperlyConfigured(f"A PreparedLookup parameter is a str or an int, not {kind!r}.")


def _is_marker(param, by_marker):
    return type(param) in (int, str) and param in by_marker
