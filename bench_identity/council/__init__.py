"""A council-shaped benchmark: true people seen through three legacy systems.

`people` makes the seeded council of true people, `systems` the rows that council tax,
waste and housing hold about them, `mapping` turns each row into what today's engine
accepts (and says what is lost), `measure` scores the engine on them.
"""
