"""Prompt templates, shipped inside the wheel as ``qa.prompts``."""
