"""The import-linter contract for loops of modules (tests/import_rules.py)."""

import grimp

from tests.import_rules import AcyclicModulesContract, strongly_connected


def test_a_loop_of_three_is_one_component_and_a_chain_is_not():
    adjacent = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["d"]}
    components = strongly_connected(adjacent)
    assert ["a", "b", "c"] in components
    assert all(len(c) == 1 for c in components if c != ["a", "b", "c"])


def _contract():
    return AcyclicModulesContract("loops", session_options={},
                                  contract_options={"packages": ["pkg"], "skip": ["pkg"]})


def _graph(*imports):
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="import")
    return graph


def test_the_contract_names_every_import_of_a_loop():
    check = _contract().check(_graph(("pkg.requests.services", "pkg.ratings.services"),
                                     ("pkg.ratings.services", "pkg.requests.services"),
                                     ("pkg.requests.api", "pkg.requests.services")), verbose=False)
    assert not check.kept
    assert check.metadata["loops"] == [[("pkg.ratings.services", "pkg.requests.services", [3]),
                                        ("pkg.requests.services", "pkg.ratings.services", [3])]]


def test_the_skipped_composition_root_may_import_what_imports_it():
    check = _contract().check(_graph(("pkg", "pkg.api"), ("pkg.api", "pkg"), ("pkg.api", "pkg.services")),
                              verbose=False)
    assert check.kept
