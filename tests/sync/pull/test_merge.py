"""The pull merges the changes of its sources (each collection, the
tombstones) by version: its shortcut for one filled source gives what sorting
always gave."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.pull import _merge


def _merge_before(sources, upto, budget):
    """`sync.pull._merge` as it was, always sorting: the reference."""
    horizon = min([versions[-1] for versions, _items, truncated in sources if truncated], default=upto)
    items = sorted((pair for _v, source_items, _t in sources for pair in source_items if pair[0] <= horizon),
                   key=lambda pair: pair[0])
    if len(items) > budget:
        items = items[:budget]
        horizon = items[-1][0]
    return items, horizon


@st.composite
def merge_inputs(draw):
    """Sources as _stream makes them: versions unique in the space, each source
    by version, at most budget items, truncated when it had more; a tombstone
    source may skip some of what it fetched."""
    budget = draw(st.integers(1, 6))
    versions = draw(st.lists(st.integers(1, 60), unique=True, max_size=40))
    active = sorted(draw(st.sets(st.integers(0, 3), min_size=1)))  # often one source alone
    owners = [draw(st.sampled_from(active)) for _ in versions]
    sources = []
    for index in range(4):
        mine = sorted(v for v, owner in zip(versions, owners, strict=True) if owner == index)
        fetched, truncated = mine[:budget], len(mine) > budget
        kept = [v for v in fetched if index < 3 or draw(st.booleans())]
        sources.append((fetched, [(v, {"version": v, "source": index}) for v in kept], truncated))
    return sources, draw(st.integers(60, 70)), budget


@settings(max_examples=500, deadline=None)
@given(inputs=merge_inputs())
def test_merge_gives_what_the_sort_gave(inputs):
    sources, upto, budget = inputs
    assert _merge(sources, upto, budget) == _merge_before(sources, upto, budget)
