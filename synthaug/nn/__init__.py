"""Network backbones (shapes in, shapes out) and the registry of their recipes.

An image recipe is a module holding its networks and a ``RECIPE``; listing it in
``IMAGE_RECIPES`` makes it an ``image_model`` of :class:`~synthaug.GANAugmenter`.
"""

from synthaug.nn import cyclegan, dcgan, sngan, stylegan, tabular

TABLE_RECIPE = tabular.RECIPE
IMAGE_RECIPES = {recipe.name: recipe for recipe in (sngan.RECIPE, dcgan.RECIPE,
                                                   stylegan.RECIPE, cyclegan.RECIPE)}
