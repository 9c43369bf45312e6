"""The one service that moves what lives somewhere: a household, a resident,
a request without a household, or a node of the tree (a building, grid,
community or street) with its whole subtree. Everything placed under the moved
thing (declared with `__placement__`, see backend/org/placement/__init__.py)
follows, through the ORM: the change feed (sync/changefeed.py) stamps each
changed record with a new version of its space and writes a tombstone of its
old place, so devices that lose it are told and devices that gain it receive it.

Services flush, never commit: the caller commits once."""

from functools import cache
from importlib import import_module

from sqlalchemy import String, and_, func, inspect, literal, not_, select, update

from backend.extensions import db
from backend.org.models import Node
from backend.org.placement import NODE_KINDS, PLACEMENT_COLUMNS, Placement, moving, placements_of

CHUNK = 500  # ids per IN (…) when loading what hangs under many parents


@cache
def placed_models() -> tuple[type, ...]:
    """Every model that declares a placement, in a fixed order."""
    models = [m.class_ for m in db.Model.registry.mappers if placements_of(m.class_)]
    return tuple(sorted(models, key=lambda model: model.__name__))


def columns_of(model) -> tuple[str, ...]:
    """The placement columns a model has."""
    return tuple(name for name in PLACEMENT_COLUMNS if name in model.__table__.c)


def placement_of(record) -> Placement | None:
    """Where the record hangs now: the first of its placements that applies."""
    return next((p for p in placements_of(type(record)) if _applies(record, p)), None)


def _applies(record, placement: Placement) -> bool:
    return getattr(record, placement.via) is not None and all(
        getattr(record, name) == value for name, value in placement.when.items())


def _applies_sql(model, placement: Placement):
    return and_(getattr(model, placement.via).is_not(None),
                *(getattr(model, name) == value for name, value in placement.when.items()))


def node_values(session, node: Node) -> dict:
    """What a node gives the records under it: the ids of itself and its
    ancestors that are communities, grids or buildings, by column."""
    values = {}
    for node_id in node.path.strip("/").split("/"):
        found = node if node_id == node.id else session.get(Node, node_id)
        if found is not None and found.kind in NODE_KINDS:
            values[f"{found.kind}_id"] = found.id
    return values


def _values(session, placement: Placement, parent) -> dict:
    if placement.on_node:
        return node_values(session, parent)
    return {name: getattr(parent, name) for name in columns_of(type(parent))}


@cache
def _model_named(name: str) -> type:
    return next(m.class_ for m in db.Model.registry.mappers if m.class_.__name__ == name)


def hangs_under(placement: Placement):
    """What a placement hangs under: a node kind, or a model class (named or given)."""
    if placement.on_node or not isinstance(placement.parent, str):
        return placement.parent
    return _model_named(placement.parent)


def _parent(session, placement: Placement, record):
    model = Node if placement.on_node else hangs_under(placement)
    key = getattr(record, placement.via)
    found = session.get(model, key)
    if found is None:  # built in this same flush
        found = next((o for o in session.new if isinstance(o, model) and o.id == key), None)
    return found


def _settle(record, placement: Placement, values: dict) -> bool:
    """Copy the parent's placement into the record; True when something changed."""
    changed = False
    for name in columns_of(type(record)):
        if name != placement.via and name in values and getattr(record, name) != values[name]:
            setattr(record, name, values[name])
            changed = True
    return changed


@cache
def _only_via(model, via: str) -> bool:
    """Whether the column naming the parent is the model's only placement column."""
    return columns_of(model) == (via,)


def fill(session, record) -> None:
    """A new record's placement columns, from its parent (the change feed calls
    this on every flush, so a record built with only its parent's id is placed)."""
    if inspect(record).has_identity:
        return
    placement = placement_of(record)
    if placement is not None and _only_via(type(record), placement.via):
        return  # nothing to copy from the parent (a record placed by its community_id alone): no look-up
    parent = _parent(session, placement, record) if placement is not None else None
    if parent is not None:
        with moving():
            _settle(record, placement, _values(session, placement, parent))


def move(session, record, **anchor) -> None:
    """Place `record` anew by the column(s) naming its parent (a household's
    grid_id and building_id, a resident's household_id, a request's grid_id):
    the rest of its placement is derived, and everything under it follows."""
    unknown = set(anchor) - set(columns_of(type(record)))
    if unknown:
        raise ValueError(f"not placement columns of {type(record).__name__}: {sorted(unknown)}")
    moved: dict = {}
    with moving():
        for name, value in anchor.items():
            setattr(record, name, value)
        placement = placement_of(record)
        parent = _parent(session, placement, record) if placement is not None else None
        if parent is not None:
            _settle(record, placement, _values(session, placement, parent))
        moved[type(record)] = [record]
        _flow(session, type(record), [record], moved)
        _finish(session, moved)


def move_node(session, node: Node, parent: Node) -> Node:
    """Hang `node` (and its subtree) under `parent`: rewrite the subtree's
    materialised paths, and move every record placed under it. Returns the
    node (reloaded)."""
    moved: dict = {}
    with moving():
        before = node_values(session, node)
        old_path, new_path = node.path, parent.path + node.id + "/"
        node.parent_id = parent.id
        session.flush()
        session.execute(
            update(Node).where(Node.path.startswith(old_path, autoescape=True))
            .values(path=literal(new_path, String) + func.substr(Node.path, len(old_path) + 1))
            .execution_options(synchronize_session=False))
        session.expire_all()
        node = session.get(Node, node.id)
        subtree = list(session.scalars(select(Node).where(Node.path.startswith(new_path, autoescape=True))))
        if node_values(session, node) != before:  # else nothing under it changes place
            for kind in NODE_KINDS:
                _flow(session, kind, [n for n in subtree if n.kind == kind], moved)
        _finish(session, moved, communities=[n.id for n in subtree if n.kind == "community"])
    return node


def _children(session, model, index: int, placement: Placement, ids: list[str]) -> list:
    """The records of `model` hanging by `placement` under these parents (and by
    no placement listed before it)."""
    earlier = [not_(_applies_sql(model, p)) for p in placements_of(model)[:index]]
    found = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found.extend(session.scalars(select(model).where(
            getattr(model, placement.via).in_(chunk),
            *(getattr(model, name) == value for name, value in placement.when.items()), *earlier)))
    return found


def _flow(session, parent_key, parents: list, moved: dict) -> None:
    """Settle everything placed under `parents` (records of one model, or nodes
    of one kind), and on down."""
    if not parents:
        return
    by_id = {parent.id: parent for parent in parents}
    for model in placed_models():
        for index, placement in enumerate(placements_of(model)):
            if hangs_under(placement) != parent_key:
                continue
            values = {key: _values(session, placement, parent) for key, parent in by_id.items()}
            changed = [child for child in _children(session, model, index, placement, list(by_id))
                       if _settle(child, placement, values[getattr(child, placement.via)])]
            moved.setdefault(model, []).extend(changed)
            _flow(session, model, changed, moved)


def _finish(session, moved: dict, communities=()) -> None:
    """Write the moves (the change feed stamps them), let relationships read
    the new places, and run the models' `after` hooks."""
    session.flush()
    for model, records in moved.items():
        keys = _placement_relationships(model)
        for record in records:
            session.expire(record, keys)
    for model in placed_models():
        hook = _hook(model)
        if hook is None:
            continue
        records = list(moved.get(model, ()))
        if communities and "community_id" in model.__table__.c:
            seen = {id(r) for r in records}
            records += [r for r in session.scalars(select(model).where(model.community_id.in_(communities)))
                        if id(r) not in seen]
        if records:
            hook(session, records)
    session.flush()


@cache
def _placement_relationships(model) -> list[str]:
    columns = set(columns_of(model))
    return [rel.key for rel in inspect(model).relationships
            if rel.direction.name == "MANYTOONE" and {c.key for c in rel.local_columns} & columns]


@cache
def _hook(model):
    name = next((p.after for p in placements_of(model) if p.after), None)
    if name is None:
        return None
    module, function = name.split(":")
    return getattr(import_module(module), function)
