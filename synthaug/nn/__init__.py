"""Network backbones: shapes in, shapes out."""
