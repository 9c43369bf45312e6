"""An import-linter contract the built-in ones lack: no import cycle between modules.

`acyclic_siblings` squashes each package into one node, so it flags two areas that
import each other in any way (requests' services importing ratings' services is fine;
ratings' models and auth's policy are read by everyone). What must never happen is a
loop of modules: a module that, through the modules it imports, imports itself, which
function-level imports hide from Python but not from the import graph.

    [[tool.importlinter.contracts]]
    type = "acyclic_modules"
    packages = ["backend", "sync", "frontend"]
    skip = ["backend"]   # modules left out of the graph (the composition root)
"""

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def strongly_connected(adjacent: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's components, iteratively (the graph has hundreds of modules, recursion would do too)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(adjacent):
        if root in index:
            continue
        work = [(root, iter(adjacent[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(adjacent[successor])))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())
    skip = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        skip = set(self.skip or ())
        modules = {m for m in graph.modules if m.split(".")[0] in self.packages and m not in skip}
        adjacent = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in modules)
                    for m in modules}
        loops = []
        for component in strongly_connected(adjacent):
            members = set(component)
            if len(component) < 2 and component[0] not in adjacent[component[0]]:
                continue
            imports = []
            for importer in component:
                for imported in adjacent[importer]:
                    if imported in members:
                        lines = sorted(d["line_number"] for d in graph.get_import_details(
                            importer=importer, imported=imported))
                        imports.append((importer, imported, lines))
            loops.append(imports)
        return ContractCheck(kept=not loops, metadata={"loops": loops})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for imports in check.metadata["loops"]:
            output.print_error("These modules import each other, around a loop:", bold=True)
            for importer, imported, lines in imports:
                output.print(f"-   {importer} -> {imported} (l.{', '.join(map(str, lines))})")
            output.new_line()
