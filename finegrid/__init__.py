"""finegrid: fine-grained community governance on the model of Chengdu's 微网实格."""

__version__ = "0.1.0"
