# Makes the kafka_broker / kafka_topic fixtures (kafka_fixture.py) available
# to the tests in this directory. Other test directories can do the same.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kafka_fixture import kafka_broker, kafka_topic  # noqa: E402,F401
