"""Pure planning: process templates, French public holidays, the timeline."""
