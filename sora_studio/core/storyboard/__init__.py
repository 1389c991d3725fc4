"""storyboard"""
