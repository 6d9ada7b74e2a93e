"""Building blocks that heads use (not heads themselves): category region
attention, the label graph, semantic-visual reconstruction, category
prototypes and heatmaps of per-token weights."""
from .category_prototypes import CategoryPrototypes
from .category_region_attention import (CategoryRegionAttention,
                                        CategoryRegionBlock)
from .heatmaps import token_grid, tokens_to_heatmaps
from .label_graph import GATv2Layer, LabelCorrelationGraph
from .semantic_reconstruction import SemanticVisualReconstruction

__all__ = ['CategoryPrototypes', 'CategoryRegionAttention',
           'CategoryRegionBlock', 'GATv2Layer', 'LabelCorrelationGraph',
           'SemanticVisualReconstruction', 'token_grid', 'tokens_to_heatmaps']
