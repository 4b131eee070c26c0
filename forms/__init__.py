"""FlaskForm classes, one module per area."""
