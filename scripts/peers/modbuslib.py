# SPDX-License-Identifier: GPL-2.0
"""Modbus RTU framing and simulated slaves for the project's peers and tests.

CRC-16 (poly 0xA001 reflected, init 0xFFFF, low byte first on the wire),
request framing on a byte stream cut anywhere (FrameParser), the standard
register functions 0x03, 0x04, 0x06 and 0x10 served from any object with
read(table, start, count) and write(start, values) (serve_pdu), and the
devices scripts/peers/rs485-bus.py puts on its bus (KINDS): register maps
and physical values only, no I/O.
"""

import math
import struct
import time

FC_READ_HOLDING = 0x03
FC_READ_INPUT = 0x04
FC_WRITE_SINGLE = 0x06
FC_WRITE_MULTIPLE = 0x10

ILLEGAL_FUNCTION = 0x01
ILLEGAL_DATA_ADDRESS = 0x02
ILLEGAL_DATA_VALUE = 0x03
SLAVE_DEVICE_FAILURE = 0x04

HOLDING, INPUT = "holding", "input"
BROADCAST = 0
MAX_ADDRESS = 247
MAX_FRAME = 256
MAX_READ = 125
MAX_WRITE = 123

# Requests whose length follows from the function code: fixed lengths, and
# the functions carrying a byte count at offset 6 (7 + count + 2 bytes).
FIXED_LENGTH = {0x01: 8, 0x02: 8, 0x03: 8, 0x04: 8, 0x05: 8, 0x06: 8}
BYTE_COUNTED = (0x0F, 0x10)


def _crc_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC_TABLE = _crc_table()


def crc16(data, crc=0xFFFF):
    """Modbus CRC-16 of data (the kernel's crc16(0xffff, ...))."""
    for byte in data:
        crc = (crc >> 8) ^ CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def with_crc(body):
    """body followed by its CRC, low byte first."""
    return bytes(body) + struct.pack("<H", crc16(body))


def crc_ok(frame):
    return len(frame) >= 4 and crc16(frame[:-2]) == struct.unpack(
        "<H", frame[-2:])[0]


def float_regs(value):
    """An IEEE-754 float32 as two big-endian registers, high word first."""
    return list(struct.unpack(">HH", struct.pack(">f", value)))


def regs_float(words):
    return struct.unpack(">f", struct.pack(">HH", *words))[0]


def int16(word):
    return word - 0x10000 if word & 0x8000 else word


def uint16(value):
    return value & 0xFFFF


class ModbusError(Exception):
    """A request a slave refuses with an exception response."""

    def __init__(self, code):
        super().__init__(f"exception {code:#04x}")
        self.code = code


def check_range(start, count, size, first=0):
    """Refuse (illegal data address) a block outside first..size-1."""
    if start < first or start + count > size:
        raise ModbusError(ILLEGAL_DATA_ADDRESS)


def serve_pdu(slave, fc, data):
    """The response PDU to request PDU fc+data, an exception if refused.

    slave.functions: the function codes it implements;
    slave.read(table, start, count) -> words; slave.write(start, values);
    both raise ModbusError.
    """
    try:
        if fc not in slave.functions:
            raise ModbusError(ILLEGAL_FUNCTION)
        if fc in (FC_READ_HOLDING, FC_READ_INPUT):
            start, count = struct.unpack(">HH", data)
            if not 1 <= count <= MAX_READ:
                raise ModbusError(ILLEGAL_DATA_VALUE)
            table = HOLDING if fc == FC_READ_HOLDING else INPUT
            words = slave.read(table, start, count)
            return bytes((fc, 2 * count)) + struct.pack(f">{count}H", *words)
        if fc == FC_WRITE_SINGLE:
            start, value = struct.unpack(">HH", data)
            slave.write(start, [value])
            return bytes((fc,)) + data
        if fc == FC_WRITE_MULTIPLE:
            start, count, size = struct.unpack(">HHB", data[:5])
            if (not 1 <= count <= MAX_WRITE or size != 2 * count
                    or len(data) != 5 + size):
                raise ModbusError(ILLEGAL_DATA_VALUE)
            slave.write(start, list(struct.unpack(f">{count}H", data[5:])))
            return bytes((fc,)) + data[:4]
        raise ModbusError(ILLEGAL_FUNCTION)
    except ModbusError as err:
        return bytes((fc | 0x80, err.code))


def request(addr, fc, *words, payload=None):
    """An RTU request frame: addr, fc, big-endian words, optional bytes."""
    body = bytes((addr, fc)) + struct.pack(f">{len(words)}H", *words)
    if payload is not None:
        body += bytes((len(payload),)) + payload
    return with_crc(body)


def reply_length(frame_start):
    """Length of a slave reply from its first 3 bytes (None: unknown)."""
    if len(frame_start) < 3:
        return None
    fc = frame_start[1]
    if fc & 0x80:
        return 5
    if fc in (0x01, 0x02, FC_READ_HOLDING, FC_READ_INPUT):
        return 3 + frame_start[2] + 2
    return 8


def request_length(buf):
    """Expected length of the request at buf's head.

    None: more bytes needed to tell; 0: the function code gives no length
    (the frame ends at silence); otherwise the byte count.
    """
    fc = buf[1]
    if fc in FIXED_LENGTH:
        return FIXED_LENGTH[fc]
    if fc in BYTE_COUNTED:
        return 7 + buf[6] + 2 if len(buf) >= 7 else None
    return 0


class FrameParser:
    """Find requests in a byte stream; resynchronise past anything else.

    feed(data, t) stores bytes with their arrival time; events(silent)
    returns what can be told now, a list of
      ("frame", bytes, t_first, t_last)  a request with a good CRC
      ("bad-crc", bytes, t_first)        a candidate whose CRC failed
      ("drop", byte)                     one byte skipped to resynchronise
    silent=True says the line has been quiet for the frame timeout: an
    incomplete frame, or one whose function code gives no length, then
    ends with the buffer. After a bad CRC the parser drops one byte and
    rescans; failures found while resynchronising are not reported again
    as bad CRCs until a good frame or an empty buffer ends the resync.
    """

    def __init__(self):
        self.buf = bytearray()
        self.times = []
        self.resyncing = False

    def feed(self, data, t):
        self.buf += data
        self.times += [t] * len(data)

    def __len__(self):
        return len(self.buf)

    def events(self, silent=False):
        out = []
        while self.buf:
            size = self._candidate(silent)
            if size is None:
                break
            if size == 0:
                out.append(("drop", self._take(1)[0][0]))
                self.resyncing = True
                continue
            frame = bytes(self.buf[:size])
            if crc_ok(frame):
                raw, times = self._take(size)
                out.append(("frame", raw, times[0], times[-1]))
                self.resyncing = False
                continue
            if not self.resyncing:
                out.append(("bad-crc", frame, self.times[0]))
            out.append(("drop", self._take(1)[0][0]))
            self.resyncing = True
        if not self.buf:
            self.resyncing = False
        return out

    def _candidate(self, silent):
        """Size of the frame at the head; 0: drop a byte; None: wait."""
        buf = self.buf
        if len(buf) < 2:
            return 0 if silent else None
        addr, fc = buf[0], buf[1]
        if addr > MAX_ADDRESS or fc == 0 or fc & 0x80:
            return 0
        size = request_length(buf)
        if size == 0 and silent:
            size = len(buf) if len(buf) >= 4 else None
        if not size:
            return 0 if silent else None
        if size > MAX_FRAME:
            return 0
        if len(buf) < size:
            return 0 if silent else None
        return size

    def _take(self, size):
        raw, times = bytes(self.buf[:size]), self.times[:size]
        del self.buf[:size]
        del self.times[:size]
        return raw, times


# --- simulated slaves ------------------------------------------------------

def integer(value):
    """An int from JSON or text ("0x61" and "97" both work)."""
    if isinstance(value, str):
        return int(value, 0)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value} is not an integer")
    return int(value)


def word(value):
    """A register value, 0..65535."""
    value = integer(value)
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{value} does not fit a register")
    return value


def real(value):
    """A float that fits IEEE-754 single precision."""
    value = float(value)
    try:
        struct.pack(">f", value)
    except OverflowError:
        raise ValueError(f"{value} does not fit a float32") from None
    return value


def address(value):
    addr = integer(value)
    if not 1 <= addr <= MAX_ADDRESS:
        raise ValueError(f"address {addr} outside 1..{MAX_ADDRESS}")
    return addr


class Slave:
    """A device on the bus; fields are its settable physical values."""

    kind = ""
    functions = frozenset()
    fields = {}

    def __init__(self, addr, options):
        self.addr = addr
        self.new_addr = None        # set by a write that re-addresses
        for name, value in options.items():
            self.set_field(name, value)

    def available(self):
        return True

    def get_field(self, name):
        if name not in self.fields:
            raise ValueError(f"{self.kind} has no field {name}")
        return getattr(self, name)

    def set_field(self, name, value):
        if name not in self.fields:
            raise ValueError(f"{self.kind} has no field {name}")
        setattr(self, name, self.fields[name](value))

    def describe(self):
        return {"addr": self.addr, "kind": self.kind,
                "fields": {n: self.get_field(n) for n in self.fields}}

    def read(self, table, start, count):
        raise ModbusError(ILLEGAL_DATA_ADDRESS)

    def write(self, start, values):
        raise ModbusError(ILLEGAL_DATA_ADDRESS)

    def control_reg(self, table, reg, value=None):
        """A register seen from the control socket; None reads it."""
        if value is None:
            return self.read(table, reg, 1)[0]
        if table != HOLDING:
            raise ValueError(f"{self.kind} input registers follow its "
                             "fields: use set")
        self.write(reg, [uint16(integer(value))])
        return value


def ready_mode(value):
    if value not in ("always", "timed", "never"):
        raise ValueError("ready must be always, timed or never")
    return value


class Scd30(Slave):
    """Sensirion SCD30 over Modbus, as the upstream serial driver uses it.

    The driver reads one register at a time (count 1), READ_MEAS as 6
    registers, and writes with FC 0x06 expecting an echo; RESET and STOP
    carry 0x0001. ready=always: DATA_READY is 1 while measuring; timed: a
    new measurement every interval seconds after START_MEAS, cleared by
    READ_MEAS; never: always 0. boot_ms: after RESET the sensor answers
    nothing for that long.
    """

    kind = "scd30"
    functions = frozenset((0x03, 0x06))
    fields = {"co2": real, "temp": real, "rh": real, "fw": word,
              "interval": word, "pressure": word, "measuring": integer,
              "asc": word, "frc": word, "temp_offset": word,
              "altitude": word, "ready": ready_mode, "boot_ms": integer,
              "resets": integer}
    FW_VERSION, INTERVAL, DATA_READY, READ_MEAS = 0x20, 0x25, 0x27, 0x28
    RESET, START, STOP, ALTITUDE = 0x34, 0x36, 0x37, 0x38
    FRC, ASC, TEMP_OFFSET = 0x39, 0x3A, 0x3B

    def __init__(self, addr, options):
        self.co2, self.temp, self.rh = 400.0, 21.5, 45.0
        self.fw, self.interval, self.pressure = 0x0342, 2, 0
        self.measuring, self.asc, self.frc = 0, 0, 400
        self.temp_offset, self.altitude, self.resets = 0, 0, 0
        self.ready, self.boot_ms = "always", 0
        self.boot_until = self.started = 0.0
        self.last_read = 0
        super().__init__(addr, options)

    def available(self):
        return time.monotonic() >= self.boot_until

    def _measurement_index(self):
        interval = max(self.interval, 1)     # 0 can be served, not timed
        return int((time.monotonic() - self.started) // interval)

    def data_ready(self):
        if not self.measuring or self.ready == "never":
            return 0
        if self.ready == "always":
            return 1
        return int(self._measurement_index() > self.last_read)

    def read(self, table, start, count):
        if self.READ_MEAS <= start < self.READ_MEAS + 6:
            check_range(start, count, self.READ_MEAS + 6)
            words = (float_regs(self.co2) + float_regs(self.temp)
                     + float_regs(self.rh))
            if self.ready == "timed":
                self.last_read = self._measurement_index()
            off = start - self.READ_MEAS
            return words[off:off + count]
        regs = {self.FW_VERSION: self.fw, self.INTERVAL: self.interval,
                self.DATA_READY: self.data_ready(),
                self.ALTITUDE: self.altitude, self.FRC: self.frc,
                self.ASC: self.asc, self.TEMP_OFFSET: self.temp_offset}
        if start not in regs or count != 1:
            raise ModbusError(ILLEGAL_DATA_ADDRESS)
        return [regs[start]]

    def write(self, start, values):
        value = values[0]
        checks = {self.INTERVAL: 2 <= value <= 1800,
                  self.RESET: value == 1, self.STOP: value == 1,
                  self.START: value == 0 or 700 <= value <= 1400,
                  self.FRC: 400 <= value <= 2000, self.ASC: value in (0, 1),
                  self.ALTITUDE: True, self.TEMP_OFFSET: True}
        if start not in checks or len(values) != 1:
            raise ModbusError(ILLEGAL_DATA_ADDRESS)
        if not checks[start]:
            raise ModbusError(ILLEGAL_DATA_VALUE)
        names = {self.INTERVAL: "interval", self.FRC: "frc", self.ASC: "asc",
                 self.ALTITUDE: "altitude", self.TEMP_OFFSET: "temp_offset"}
        if start in names:
            setattr(self, names[start], value)
        elif start == self.START:
            self.pressure, self.measuring = value, 1
            self.started, self.last_read = time.monotonic(), 0
        elif start == self.STOP:
            self.measuring = 0
        else:
            self.resets += 1
            self.boot_until = time.monotonic() + self.boot_ms / 1000


class Xymd02(Slave):
    """XY-MD02 / SHT20-RS485 temperature and humidity sensor."""

    kind = "xymd02"
    functions = frozenset((0x03, 0x04, 0x06))
    fields = {"temp": real, "rh": real, "temp_corr": real,
              "rh_corr": real, "baud_code": word}
    ADDRESS, BAUD, TEMP_CORR, RH_CORR = 0x0101, 0x0102, 0x0103, 0x0104

    def __init__(self, addr, options):
        self.temp, self.rh = 23.5, 41.2
        self.temp_corr = self.rh_corr = 0.0
        self.baud_code = 0
        super().__init__(addr, options)

    def inputs(self):
        temp = round(self.temp * 10) + round(self.temp_corr * 10)
        rh = round(self.rh * 10) + round(self.rh_corr * 10)
        return [uint16(temp), min(max(rh, 0), 1000)]

    def read(self, table, start, count):
        if table == INPUT:
            check_range(start, count, 3, first=1)
            return self.inputs()[start - 1:start - 1 + count]
        check_range(start, count, self.RH_CORR + 1, first=self.ADDRESS)
        words = [self.addr, self.baud_code, uint16(round(self.temp_corr * 10)),
                 uint16(round(self.rh_corr * 10))]
        return words[start - self.ADDRESS:start - self.ADDRESS + count]

    def write(self, start, values):
        check_range(start, len(values), self.RH_CORR + 1, first=self.ADDRESS)
        for reg, value in enumerate(values, start):
            ok = {self.ADDRESS: 1 <= value <= MAX_ADDRESS,
                  self.BAUD: value <= 2,
                  self.TEMP_CORR: -100 <= int16(value) <= 100,
                  self.RH_CORR: -100 <= int16(value) <= 100}[reg]
            if not ok:
                raise ModbusError(ILLEGAL_DATA_VALUE)
        for reg, value in enumerate(values, start):
            if reg == self.ADDRESS:
                self.new_addr = value
            elif reg == self.BAUD:
                self.baud_code = value
            elif reg == self.TEMP_CORR:
                self.temp_corr = int16(value) / 10
            else:
                self.rh_corr = int16(value) / 10

    def control_reg(self, table, reg, value=None):
        if value is None or table == HOLDING:
            return super().control_reg(table, reg, value)
        check_range(reg, 1, 3, first=1)
        raw = int16(uint16(integer(value)))
        if reg == 1:
            self.temp = raw / 10 - self.temp_corr
        else:
            self.rh = raw / 10 - self.rh_corr
        return value


class Sdm120(Slave):
    """Eastron SDM120 energy meter: float32 input registers."""

    kind = "sdm120"
    functions = frozenset((0x04,))
    fields = {"volts": real, "amps": real, "watts": real, "hz": real,
              "kwh": real, "export_kwh": real}
    SIZE = 0x0160

    def __init__(self, addr, options):
        self.volts, self.amps, self.watts, self.hz = 230.0, 0.5, 100.0, 50.0
        self.kwh, self.export_kwh = 12.5, 0.0
        super().__init__(addr, options)

    def values(self):
        va = self.volts * self.amps
        pf = self.watts / va if va else 1.0
        var = math.sqrt(max(va * va - self.watts * self.watts, 0.0))
        return {0x00: self.volts, 0x06: self.amps, 0x0C: self.watts,
                0x12: va, 0x18: var, 0x1E: pf, 0x46: self.hz,
                0x48: self.kwh, 0x4A: self.export_kwh,
                0x0156: self.kwh + self.export_kwh}

    def read(self, table, start, count):
        check_range(start, count, self.SIZE)
        words = {}
        for reg, value in self.values().items():
            words[reg], words[reg + 1] = float_regs(value)
        return [words.get(reg, 0) for reg in range(start, start + count)]


class Regs(Slave):
    """Generic slave: count holding and count input registers."""

    kind = "regs"
    functions = frozenset((0x03, 0x04, 0x06, 0x10))

    def __init__(self, addr, options):
        options = dict(options)
        self.count = integer(options.pop("count", 256))
        if not 1 <= self.count <= 0x10000:
            raise ValueError("count must be 1..65536")
        self.tables = {HOLDING: [0] * self.count, INPUT: [0] * self.count}
        super().__init__(addr, options)

    def describe(self):
        return {"addr": self.addr, "kind": self.kind,
                "fields": {"count": self.count}}

    def read(self, table, start, count):
        check_range(start, count, self.count)
        return self.tables[table][start:start + count]

    def write(self, start, values):
        check_range(start, len(values), self.count)
        self.tables[HOLDING][start:start + len(values)] = values

    def control_reg(self, table, reg, value=None):
        check_range(reg, 1, self.count)
        if value is not None:
            self.tables[table][reg] = uint16(integer(value))
        return self.tables[table][reg]


KINDS = {cls.kind: cls for cls in (Scd30, Xymd02, Sdm120, Regs)}
