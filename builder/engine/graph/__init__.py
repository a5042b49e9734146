"""The graph compiler: ``netbuilder.graph/1`` documents → shapes, errors, torch.fx modules and model.py.

Plain Python over torch; nothing here knows about Django. See ``docs/graph-format.md``.
"""

from . import blocks as _blocks  # noqa: F401  (registers Block)
from . import layers as _layers  # noqa: F401  (registers the catalog's layer types)
from . import pretrained as _pretrained  # noqa: F401  (registers TorchvisionModel)
from .analysis import validate
from .catalog import catalog_json
from .compile import compile_graph, graph_io
from .errors import GraphError
from .expand import expand_node, expanded_key, torchvision_graph
from .export import export_python, export_state_dict, write_export
from .library import list_templates

__all__ = [
    "GraphError", "catalog_json", "compile_graph", "expand_node", "expanded_key", "export_python",
    "export_state_dict", "graph_io", "list_templates", "torchvision_graph", "validate", "write_export",
]
